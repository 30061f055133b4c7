namespace GanService.Domain.Imaging;

/// <summary>
/// Which clean-up steps <see cref="ImagePreprocessor"/> applies to a photographed drawing before it is
/// resized for training. The defaults suit phone photos of pencil drawings on paper.
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>Highest accepted <see cref="Denoise"/> strength.</summary>
    public const int MaxDenoise = 3;

    /// <summary>Even out paper tint, shadows and uneven light by dividing by the estimated paper background.</summary>
    public bool Flatten { get; init; } = true;

    /// <summary>Stretch contrast so paper becomes white and the strokes dark.</summary>
    public bool AutoLevels { get; init; } = true;

    /// <summary>
    /// 0 = off .. 3 = strong. 1 (the default) pulls the paper grain onto the paper level; 2 adds a 3×3 median
    /// (speckle, grain inside strokes), 3 a second median and a wider grain band. 1 measured best on phone
    /// photos: the final area-averaging resize already smooths what a median would, and medians cost thin strokes.
    /// </summary>
    public int Denoise { get; init; } = 1;

    /// <summary>
    /// Crop to the drawing plus a margin; the dark table around a photographed sheet is dropped. A picture without a
    /// table whose drawing already fills most of it (a scan, a hand-cropped photo) keeps its own frame.
    /// </summary>
    public bool AutoCrop { get; init; } = true;

    /// <summary>With <see cref="AutoCrop"/>: crop around the drawing even where the picture's own frame already fits it, so every image gets the same margin.</summary>
    public bool CropToDrawing { get; init; }

    /// <summary>How a non-square image (or crop) becomes square.</summary>
    public FitMode Fit { get; init; } = FitMode.Pad;

    /// <summary>Emit white-on-black instead of the source polarity.</summary>
    public bool Invert { get; init; }

    /// <summary>Clean-up tuned for phone photos of drawings.</summary>
    public static PreprocessOptions Default { get; } = new();

    /// <summary>Everything off: an already clean image comes out just resized.</summary>
    public static PreprocessOptions None { get; } = new() { Flatten = false, AutoLevels = false, Denoise = 0, AutoCrop = false };

    /// <summary>True when any step besides fitting and resizing is on.</summary>
    internal bool CleansUp => Flatten || AutoLevels || Denoise > 0 || AutoCrop;

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending field.</summary>
    public void Validate()
    {
        if (Denoise is < 0 or > MaxDenoise)
        {
            throw new ArgumentException($"denoise must be between 0 and {MaxDenoise}", nameof(Denoise));
        }

        if (!Enum.IsDefined(Fit))
        {
            throw new ArgumentException("fit must be pad, crop or stretch", nameof(Fit));
        }
    }
}
