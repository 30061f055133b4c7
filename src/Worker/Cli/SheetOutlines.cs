using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// How well the clean-up finds the sheet in photos whose true outline is known: how often it finds one at all, and how
/// often all four corners land within <see cref="Tolerance"/> of the sheet's side of where they truly are.
/// </summary>
internal static class SheetOutlines
{
    /// <summary>A corner this close (a fraction of the sheet's longer side) counts as found: about a pixel at 64 px.</summary>
    private const double Tolerance = 0.02;

    public static IEnumerable<object> Measure(
        IReadOnlyList<PixelImage> photos, IReadOnlyList<IReadOnlyList<(double X, double Y)>> truth, IReadOnlyList<bool> tuning, TextWriter output)
    {
        var found = new IReadOnlyList<(double X, double Y)>?[photos.Count];
        Parallel.For(0, photos.Count, i => found[i] = ImagePreprocessor.FindSheet(photos[i]));
        var results = new List<object>();
        foreach (var (half, keep) in new (string, Func<int, bool>)[] { ("all", _ => true), ("tuning", i => tuning[i]), ("held-out", i => !tuning[i]) })
        {
            var chosen = Enumerable.Range(0, photos.Count).Where(keep).ToList();
            var seen = chosen.Count(i => found[i] is not null);
            var accurate = chosen.Count(i => found[i] is { } corners && WorstCornerError(corners, truth[i]) <= Tolerance);
            output.WriteLine($"  sheet outline           {half,-8} ({chosen.Count,3})  found {seen,3}  all corners within {Tolerance:0%} of the side {accurate,3}");
            results.Add(new { comparison = "sheet outline", half, count = chosen.Count, found = seen, cornersWithinTolerance = accurate });
        }

        return results;
    }

    /// <summary>The farthest any found corner lies from its true place, as a fraction of the sheet's longer side.</summary>
    internal static double WorstCornerError(IReadOnlyList<(double X, double Y)> found, IReadOnlyList<(double X, double Y)> truth)
    {
        static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
        var side = Enumerable.Range(0, 4).Max(i => Distance(truth[i], truth[(i + 1) % 4]));
        return Enumerable.Range(0, 4).Max(i => Distance(found[i], truth[i])) / side;
    }
}
