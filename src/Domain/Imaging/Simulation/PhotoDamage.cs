namespace GanService.Domain.Imaging.Simulation;

/// <summary>
/// Everything that happens to a drawing between the clean file and a phone photo of it, for
/// <see cref="PhotoSimulator.Simulate"/>. Positions are fractions of the sheet's side (0..1, y down), so one damage
/// means the same at any resolution; <see cref="BlurSigma"/> is in pixels of the 200-pixel drawing.
/// </summary>
/// <param name="Paper">The paper's colour under full light, 0..255 per channel.</param>
/// <param name="Ink">The ink's reflectance per channel, 0 (black) .. 1 (no ink); multiplied onto the paper.</param>
/// <param name="Gradient">Light falling off linearly across the sheet.</param>
/// <param name="Vignette">Light falling off away from a point (the lamp, the lens).</param>
/// <param name="FirstShadow">A hand or phone between the lamp and the sheet.</param>
/// <param name="SecondShadow">Sometimes a second one (the other hand, the photographer's head).</param>
/// <param name="GrainSigma">Paper grain and sensor noise: the standard deviation of the gray level added per pixel.</param>
/// <param name="BlurSigma">Focus and motion blur, Gaussian, in pixels of a 200-pixel drawing.</param>
/// <param name="JpegQuality">The phone's JPEG quality, 1..100.</param>
/// <param name="TiltDegrees">The sheet's rotation on the table, clockwise positive (y down).</param>
/// <param name="Perspective">How far each corner moves off the rotated square, fractions of the side.</param>
/// <param name="Table">The table's colour, 0..255 per channel.</param>
/// <param name="TableTexture">Wood-grain-like stripes on the table: relative amplitude 0..1.</param>
/// <param name="TableGrainDegrees">The direction of those stripes.</param>
/// <param name="Scale">The sheet's side in the table photo, as a multiple of the drawing's side.</param>
/// <param name="Margin">The table seen around the sheet, as a fraction of the sheet's side.</param>
/// <param name="NoiseSeed">Seeds every random pixel, so a damage always renders the same bytes.</param>
public sealed record PhotoDamage(
    RgbColour Paper,
    RgbColour Ink,
    LightGradient Gradient,
    Vignette Vignette,
    CastShadow FirstShadow,
    CastShadow? SecondShadow,
    double GrainSigma,
    double BlurSigma,
    int JpegQuality,
    double TiltDegrees,
    Perspective Perspective,
    RgbColour Table,
    double TableTexture,
    double TableGrainDegrees,
    double Scale,
    double Margin,
    int NoiseSeed)
{
    public const double MinPaperLuminance = 150, MaxPaperLuminance = 245;
    public const double MinInkLuminance = 0.03, MaxInkLuminance = 0.5;
    public const double MaxGradient = 0.3, MaxVignette = 0.2;
    public const double MinShadowBrightness = 0.45, MaxShadowBrightness = 0.85;
    public const double MinGrainSigma = 2, MaxGrainSigma = 9;
    public const double MaxBlurSigma = 1.6;
    public const int MinJpegQuality = 35, MaxJpegQuality = 92;
    public const double MaxTiltDegrees = 8;
    public const double MaxCornerShift = 0.04;
    public const double MinTableLuminance = 15, MaxTableLuminance = 130;

    /// <summary>
    /// The table is at most this bright relative to the paper under the same light: a sheet on a desk as light as the
    /// paper itself (a white desk) shows no outline to find by brightness, and is left out of these sets.
    /// </summary>
    public const double MaxTableToPaper = 0.7;
    public const double MinScale = 1.5, MaxScale = 2.5;

    /// <summary>Paper colours under full light; each is scaled to a drawn luminance.</summary>
    private static readonly RgbColour[] Papers =
    [
        new(255, 255, 252), // white
        new(255, 247, 225), // cream
        new(255, 242, 180), // yellowish
        new(215, 232, 255), // light blue
        new(255, 222, 230), // pink
        new(235, 235, 235), // grey
        new(225, 190, 145), // kraft brown
    ];

    /// <summary>Ink hues (relative reflectance per channel): neutral, blue-black, brown, graphite.</summary>
    private static readonly RgbColour[] InkHues = [new(1, 1, 1), new(0.8, 0.9, 1.3), new(1.25, 1, 0.75), new(0.95, 0.98, 1.08)];

    /// <summary>Tables: dark wood, light wood, black, grey, blue-grey, green felt.</summary>
    private static readonly RgbColour[] Tables =
    [
        new(120, 78, 50), new(170, 130, 90), new(40, 40, 42), new(110, 110, 112), new(80, 95, 115), new(50, 90, 60),
    ];

    /// <summary>One damage drawn from the wide ranges above (each knob independently).</summary>
    public static PhotoDamage Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double Uniform(double low, double high) => low + ((high - low) * random.NextDouble());

        var paper = Papers[random.Next(Papers.Length)].WithLuminance(Uniform(MinPaperLuminance, MaxPaperLuminance)).Clamped(255);
        var ink = InkHues[random.Next(InkHues.Length)].WithLuminance(Uniform(MinInkLuminance, MaxInkLuminance)).Clamped(1);
        var gradient = new LightGradient(Uniform(0, MaxGradient), Uniform(0, 360));
        var vignette = new Vignette(Uniform(0, MaxVignette), Uniform(0.2, 0.8), Uniform(0.2, 0.8));
        var first = CastShadow.Draw(random);
        var second = random.NextDouble() < 0.35 ? CastShadow.Draw(random) : null;
        var perspective = new Perspective(Shift(random), Shift(random), Shift(random), Shift(random));
        var tableLuminance = Uniform(MinTableLuminance, Math.Min(MaxTableLuminance, MaxTableToPaper * paper.Luminance));
        var table = Tables[random.Next(Tables.Length)].WithLuminance(tableLuminance).Clamped(255);
        return new PhotoDamage(
            paper,
            ink,
            gradient,
            vignette,
            first,
            second,
            GrainSigma: Uniform(MinGrainSigma, MaxGrainSigma),
            BlurSigma: Uniform(0, MaxBlurSigma),
            JpegQuality: random.Next(MinJpegQuality, MaxJpegQuality + 1),
            TiltDegrees: Uniform(-MaxTiltDegrees, MaxTiltDegrees),
            perspective,
            table,
            TableTexture: Uniform(0, 0.15),
            TableGrainDegrees: Uniform(0, 180),
            Scale: Uniform(MinScale, MaxScale),
            Margin: Uniform(0.05, 0.18),
            NoiseSeed: random.Next());

        static Offset Shift(Random random) =>
            new((random.NextDouble() * 2 - 1) * MaxCornerShift, (random.NextDouble() * 2 - 1) * MaxCornerShift);
    }

    /// <summary>
    /// This damage with the <paramref name="kinds"/> taken away (everything else, the tilt and table included, as drawn):
    /// measuring without one kind tells what that kind costs the clean-up.
    /// </summary>
    public PhotoDamage Without(DamageKinds kinds) => this with
    {
        FirstShadow = kinds.HasFlag(DamageKinds.Shadows) ? FirstShadow with { Brightness = 1 } : FirstShadow,
        SecondShadow = kinds.HasFlag(DamageKinds.Shadows) ? null : SecondShadow,
        Gradient = kinds.HasFlag(DamageKinds.Light) ? Gradient with { Strength = 0 } : Gradient,
        Vignette = kinds.HasFlag(DamageKinds.Light) ? Vignette with { Strength = 0 } : Vignette,
        BlurSigma = kinds.HasFlag(DamageKinds.Blur) ? 0 : BlurSigma,
        GrainSigma = kinds.HasFlag(DamageKinds.Grain) ? 0 : GrainSigma,
        JpegQuality = kinds.HasFlag(DamageKinds.Jpeg) ? 100 : JpegQuality,
    };
}

/// <summary>Kinds of damage that <see cref="PhotoDamage.Without"/> can take away.</summary>
[Flags]
public enum DamageKinds
{
    None = 0,
    /// <summary>Cast shadows of a hand or phone.</summary>
    Shadows = 1,
    /// <summary>The light's gradient and vignette.</summary>
    Light = 2,
    Blur = 4,
    Grain = 8,
    /// <summary>JPEG saved at quality 100 instead of the drawn one.</summary>
    Jpeg = 16,
}

/// <summary>A colour as three doubles (0..255 for colours, 0..1 for reflectances).</summary>
public readonly record struct RgbColour(double Red, double Green, double Blue)
{
    /// <summary>Rec. 601 luma, as <see cref="PixelImage.Decode"/> turns colour into gray.</summary>
    public double Luminance => (0.299 * Red) + (0.587 * Green) + (0.114 * Blue);

    /// <summary>The same hue scaled to <paramref name="luminance"/>.</summary>
    public RgbColour WithLuminance(double luminance)
    {
        var factor = luminance / Luminance;
        return new RgbColour(Red * factor, Green * factor, Blue * factor);
    }

    /// <summary>Each channel at most <paramref name="max"/> (a bright tint scaled up may overshoot one channel).</summary>
    public RgbColour Clamped(double max) => new(Math.Min(Red, max), Math.Min(Green, max), Math.Min(Blue, max));
}

/// <summary>Light falling linearly by up to <paramref name="Strength"/> towards the side <paramref name="Degrees"/> points at.</summary>
public sealed record LightGradient(double Strength, double Degrees);

/// <summary>Light falling by up to <paramref name="Strength"/> with the squared distance from (<paramref name="CentreX"/>, <paramref name="CentreY"/>).</summary>
public sealed record Vignette(double Strength, double CentreX, double CentreY);

/// <summary>
/// A soft shadow: a rotated superellipse (exponent 2 an ellipse, a head; higher a rounded rectangle, a phone or a hand)
/// whose edge fades over <paramref name="Softness"/> (fraction of the side), darkening the light to <paramref name="Brightness"/>.
/// </summary>
public sealed record CastShadow(
    double CentreX, double CentreY, double RadiusX, double RadiusY, double Degrees, double Exponent, double Softness, double Brightness)
{
    /// <summary>A shadow reaching into the sheet from outside one of its edges, as a hand or phone does.</summary>
    public static CastShadow Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double Uniform(double low, double high) => low + ((high - low) * random.NextDouble());

        // The centre lies near or beyond one edge, so the shape enters from there.
        var along = Uniform(0.1, 0.9);
        var across = Uniform(-0.3, 0.15);
        var (x, y) = random.Next(4) switch
        {
            0 => (along, across),
            1 => (1 - across, along),
            2 => (along, 1 - across),
            _ => (across, along),
        };
        return new CastShadow(
            x,
            y,
            RadiusX: Uniform(0.15, 0.45),
            RadiusY: Uniform(0.25, 0.6),
            Degrees: Uniform(0, 180),
            Exponent: random.NextDouble() < 0.4 ? 2 : Uniform(3, 6),
            Softness: Uniform(0.02, 0.12),
            Brightness: Uniform(PhotoDamage.MinShadowBrightness, PhotoDamage.MaxShadowBrightness));
    }
}

/// <summary>A shift of one corner, fractions of the sheet's side.</summary>
public readonly record struct Offset(double X, double Y);

/// <summary>How far each corner of the sheet moves in the photo (a camera not square above it).</summary>
public sealed record Perspective(Offset TopLeft, Offset TopRight, Offset BottomRight, Offset BottomLeft);
