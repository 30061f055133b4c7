namespace GanService.Domain.Imaging.Simulation;

/// <summary>
/// The light falling on the sheet (1 = full light): gradient × vignette × cast shadows. Light is smooth, so it is
/// computed on a coarse grid and interpolated; per-pixel powers for the shadows' superellipses would cost more than
/// everything else in a simulation together.
/// </summary>
internal sealed class LightField
{
    /// <summary>Grid spacing in pixels; the softest shadow edge (2% of 200 px) still spans a few cells.</summary>
    private const int Step = 3;

    private readonly float[] grid;
    private readonly int columns;

    private LightField(float[] grid, int columns)
    {
        this.grid = grid;
        this.columns = columns;
    }

    public static LightField For(PhotoDamage damage, int width, int height)
    {
        var columns = (width / Step) + 2;
        var rows = (height / Step) + 2;
        var grid = new float[columns * rows];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                var u = Math.Min(column * Step, width) / (double)width;
                var v = Math.Min(row * Step, height) / (double)height;
                grid[(row * columns) + column] = (float)At(damage, u, v);
            }
        }

        return new LightField(grid, columns);
    }

    /// <summary>The light at pixel (<paramref name="x"/>, <paramref name="y"/>), bilinear between grid points.</summary>
    public float At(int x, int y)
    {
        int column = x / Step, row = y / Step;
        float fx = (x % Step) / (float)Step, fy = (y % Step) / (float)Step;
        var i = (row * columns) + column;
        var top = grid[i] + ((grid[i + 1] - grid[i]) * fx);
        var bottom = grid[i + columns] + ((grid[i + columns + 1] - grid[i + columns]) * fx);
        return top + ((bottom - top) * fy);
    }

    /// <summary>The light at (<paramref name="u"/>, <paramref name="v"/>), fractions of the sheet's sides.</summary>
    internal static double At(PhotoDamage damage, double u, double v)
    {
        // Gradient: the projection on its direction, scaled so the sheet's corners span -1..1.
        var angle = damage.Gradient.Degrees * Math.PI / 180;
        double dx = Math.Cos(angle), dy = Math.Sin(angle);
        var projection = (((u - 0.5) * dx) + ((v - 0.5) * dy)) / (0.5 * (Math.Abs(dx) + Math.Abs(dy)));
        var light = 1 - (damage.Gradient.Strength * (projection + 1) / 2);

        // Vignette: squared distance from its centre, relative to the farthest corner's.
        var (cx, cy) = (damage.Vignette.CentreX, damage.Vignette.CentreY);
        var farthest = Math.Pow(Math.Max(cx, 1 - cx), 2) + Math.Pow(Math.Max(cy, 1 - cy), 2);
        light *= 1 - (damage.Vignette.Strength * (((u - cx) * (u - cx)) + ((v - cy) * (v - cy))) / farthest);

        light *= Shade(damage.FirstShadow, u, v);
        if (damage.SecondShadow is { } second)
        {
            light *= Shade(second, u, v);
        }

        return light;
    }

    /// <summary>1 outside the shadow, its brightness inside, a smooth step across its soft edge.</summary>
    private static double Shade(CastShadow shadow, double u, double v)
    {
        var angle = shadow.Degrees * Math.PI / 180;
        double x = u - shadow.CentreX, y = v - shadow.CentreY;
        var a = Math.Abs(((x * Math.Cos(angle)) + (y * Math.Sin(angle))) / shadow.RadiusX);
        var b = Math.Abs(((-x * Math.Sin(angle)) + (y * Math.Cos(angle))) / shadow.RadiusY);
        var radius = Math.Pow(Math.Pow(a, shadow.Exponent) + Math.Pow(b, shadow.Exponent), 1 / shadow.Exponent);

        // Roughly the signed distance to the outline (negative inside), in fractions of the side.
        var distance = (radius - 1) * Math.Min(shadow.RadiusX, shadow.RadiusY);
        var t = Math.Clamp((distance / shadow.Softness) + 0.5, 0, 1);
        t = t * t * (3 - (2 * t));
        return shadow.Brightness + ((1 - shadow.Brightness) * t);
    }
}
