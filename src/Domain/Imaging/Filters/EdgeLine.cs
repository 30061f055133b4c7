namespace GanService.Domain.Imaging.Filters;

/// <summary>A straight edge: the line n·p = offset, n a unit normal pointing outwards (at the table).</summary>
internal readonly record struct EdgeLine(double Nx, double Ny, double Offset)
{
    public double Distance((double X, double Y) p) => (Nx * p.X) + (Ny * p.Y) - Offset;

    /// <summary>Total least squares; the normal's sign follows <paramref name="outward"/>.</summary>
    public static EdgeLine? Fit(List<(double X, double Y)> points, (double X, double Y) outward)
    {
        if (points.Count < 2)
        {
            return null;
        }

        double mx = points.Average(p => p.X), my = points.Average(p => p.Y), sxx = 0, syy = 0, sxy = 0;
        foreach (var (x, y) in points)
        {
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
            sxy += (x - mx) * (y - my);
        }

        // The line's direction is the covariance's major axis; its normal the minor one.
        var direction = 0.5 * Math.Atan2(2 * sxy, sxx - syy);
        double nx = -Math.Sin(direction), ny = Math.Cos(direction);
        if ((nx * outward.X) + (ny * outward.Y) < 0)
        {
            (nx, ny) = (-nx, -ny);
        }

        // Edge pixels are the paper's last row; the edge itself lies half a pixel further out.
        return new EdgeLine(nx, ny, (nx * mx) + (ny * my) + 0.5);
    }

    /// <summary>Where two lines cross, or null when they are nearly parallel.</summary>
    public static (double X, double Y)? Intersect(EdgeLine a, EdgeLine b)
    {
        var determinant = (a.Nx * b.Ny) - (a.Ny * b.Nx);
        if (Math.Abs(determinant) < 0.5)
        {
            return null; // nearly parallel neighbours: not a sheet
        }

        return (((a.Offset * b.Ny) - (a.Ny * b.Offset)) / determinant, ((a.Nx * b.Offset) - (a.Offset * b.Nx)) / determinant);
    }
}
