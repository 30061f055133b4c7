using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace GanService.Domain.Charts;

/// <summary>
/// One row of a run's history. A stored row carries either the training values (losses, D outputs) or the
/// evaluation values (SWD, diversity); the others are null and simply leave that series without a point there.
/// </summary>
public sealed record RunChartPoint(
    long Iteration,
    double? LossD = null,
    double? LossG = null,
    double? DReal = null,
    double? DFake = null,
    double? Swd = null,
    double? SwdRealFloor = null,
    double? Diversity = null,
    double? RealDiversity = null);

/// <summary>A diagnosis drawn as a vertical marker at the iteration where it was made.</summary>
public sealed record RunChartDiagnosis(long Iteration, string Code);

/// <summary>What the chart draws; <see cref="Points"/> in any order.</summary>
public sealed record RunChartInput(string Title, IReadOnlyList<RunChartPoint> Points, IReadOnlyList<RunChartDiagnosis> Diagnoses);

/// <summary>
/// The training history of a run as one PNG: four stacked panels over a shared iteration axis (losses; D(real) and
/// D(fake); SWD with its real-vs-real floor; diversity with the real set's), diagnoses as labelled vertical lines.
/// Drawn with ScottPlot, text in the embedded DejaVu Sans (<see cref="Imaging.Fonts"/>).
/// </summary>
public static class RunChart
{
    public const int DefaultWidth = 1000;
    public const int DefaultHeight = 1000;
    public const int MinSize = 300;
    public const int MaxSize = 4000;

    /// <summary>Panel order in <see cref="Build"/>: tests and callers index by these.</summary>
    public const int LossPanel = 0, DiscriminatorPanel = 1, SwdPanel = 2, DiversityPanel = 3;

    /// <summary>Shown instead of the panels while a run has logged nothing.</summary>
    public const string EmptyText = "No metrics yet";

    static RunChart() => ChartFonts.EnsureRegistered();

    /// <summary>The chart as PNG bytes, <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static byte[] RenderPng(RunChartInput input, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxSize);

        var panels = Build(input);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"Skia could not make a {width}×{height} surface.");
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Count; i++)
        {
            // Each panel on a surface of its own: Plot.Render clears the whole canvas it is given, rect or not, so
            // drawing the panels straight onto one canvas leaves only the last. Integer edges: no overlap, no seam.
            var top = i * height / panels.Count;
            var bottom = (i + 1) * height / panels.Count;
            using var panelSurface = SKSurface.Create(new SKImageInfo(width, bottom - top, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"Skia could not make a {width}×{bottom - top} surface.");
            panels[i].Render(panelSurface.Canvas, width, bottom - top);
            using var panelImage = panelSurface.Snapshot();
            surface.Canvas.DrawImage(panelImage, 0, top, SKSamplingOptions.Default);
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>
    /// The ScottPlot panels, top to bottom, before rendering (so a test can read back what they hold): one panel
    /// saying <see cref="EmptyText"/> when there are no points, else the four at <see cref="LossPanel"/> etc.
    /// </summary>
    public static IReadOnlyList<Plot> Build(RunChartInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Points.Count == 0)
        {
            var empty = NewPlot();
            // HideAxesAndGrid hides the title panel too, so the title is a note of its own here.
            empty.HideAxesAndGrid();
            Note(empty, input.Title, Alignment.UpperCenter, 16);
            Note(empty, EmptyText, Alignment.MiddleCenter, 24);
            return [empty];
        }

        var points = input.Points.OrderBy(p => p.Iteration).ToList();
        var losses = NewPlot();
        losses.Title(input.Title);
        losses.YLabel("loss");
        AddSeries(losses, points, p => p.LossD, "loss D");
        AddSeries(losses, points, p => p.LossG, "loss G");

        var discriminator = NewPlot();
        discriminator.YLabel("D output");
        AddSeries(discriminator, points, p => p.DReal, "D(real)");
        AddSeries(discriminator, points, p => p.DFake, "D(fake)");

        var swd = NewPlot();
        swd.YLabel("SWD");
        var swdLine = AddSeries(swd, points, p => p.Swd, "SWD", markers: true);
        AddReference(swd, points, p => p.SwdRealFloor, "real-vs-real floor", swdLine.Color);

        var diversity = NewPlot();
        diversity.YLabel("diversity");
        diversity.XLabel("iteration");
        var diversityLine = AddSeries(diversity, points, p => p.Diversity, "diversity", markers: true);
        AddReference(diversity, points, p => p.RealDiversity, "real set", diversityLine.Color);

        Plot[] panels = [losses, discriminator, swd, diversity];
        AddDiagnosisLines(panels, input.Diagnoses);

        // One iteration range for all panels, so a spike in the losses lines up with the SWD evaluation after it.
        var xs = points.Select(p => (double)p.Iteration).Concat(input.Diagnoses.Select(d => (double)d.Iteration)).ToList();
        var (min, max) = (xs.Min(), xs.Max());
        var pad = max > min ? (max - min) * 0.02 : 1;
        for (var i = 0; i < panels.Length; i++)
        {
            var panel = panels[i];
            // Fixed margins, the same left and right on every panel, so the iteration axes line up; ScottPlot's own
            // layout would size each left margin to its tick labels ("0.125" is wider than "80").
            panel.Layout.Fixed(new PixelPadding(left: 80, right: 20, bottom: i == panels.Length - 1 ? 50 : 30, top: i == 0 ? 40 : 10));
            if (!panel.GetPlottables().Any(p => p is Scatter or HorizontalLine))
            {
                // An evaluation panel before the first evaluation: say so rather than draw an empty frame.
                Note(panel, "not evaluated yet", Alignment.MiddleCenter, 14);
            }
            else
            {
                // One row in the upper right, over the headroom the top margin leaves, not over the data.
                panel.ShowLegend(Alignment.UpperRight, Orientation.Horizontal);
            }

            // Headroom for the legend above the data, room below it for the diagnosis codes (top panel).
            panel.Axes.Margins(left: 0, right: 0, bottom: i == 0 ? 0.2 : 0.05, top: 0.3);
            panel.Axes.AutoScale();
            panel.Axes.SetLimitsX(min - pad, max + pad);
        }

        AddDiagnosisLabels(losses, input.Diagnoses);

        return panels;
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        // Opaque: PNG viewers differ on what they show behind transparency, and so do pixel tests.
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        // Every label (title, ticks, legend) in the embedded font; the system ones may not exist on a server.
        plot.Font.Set(Imaging.Fonts.FamilyName);
        plot.Legend.FontName = Imaging.Fonts.FamilyName;
        return plot;
    }

    /// <summary>Plain text fixed to the data area (ScottPlot's annotation is a yellow sticky note by default).</summary>
    private static void Note(Plot plot, string text, Alignment alignment, float size)
    {
        var note = plot.Add.Annotation(text, alignment);
        note.LabelFontName = Imaging.Fonts.FamilyName;
        note.LabelFontSize = size;
        note.LabelBackgroundColor = Colors.Transparent;
        note.LabelBorderColor = Colors.Transparent;
        note.LabelShadowColor = Colors.Transparent;
    }

    /// <summary>
    /// One series from the points that have a finite value for it. Nulls are rows of the other kind (training vs
    /// evaluation); NaN and ±∞ (a diverged step) are left out too, as they would wreck the autoscaled axis, and the
    /// diagnosis made at that step already marks the place. No scatter is added when nothing is left.
    /// </summary>
    private static Scatter AddSeries(Plot plot, List<RunChartPoint> points, Func<RunChartPoint, double?> value, string label, bool markers = false)
    {
        var kept = Finite(points, value);
        var scatter = new Scatter(new ScottPlot.DataSources.ScatterSourceDoubleArray(
            kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray()))
        {
            LegendText = label,
            LineWidth = 1.5f,
            MarkerSize = markers ? 5 : 0,
            Color = plot.Add.Palette.GetColor(plot.GetPlottables().OfType<Scatter>().Count()),
        };
        if (kept.Count > 0) plot.Add.Plottable(scatter);
        return scatter;
    }

    /// <summary>
    /// A reference value (what the real data scores), dashed in its series' colour. It is computed once per run
    /// and so is usually one value: then a horizontal line across the panel, which also shows while there is a
    /// single evaluation (a one-point series would be invisible). If it does vary, a dashed series like the others.
    /// </summary>
    private static void AddReference(Plot plot, List<RunChartPoint> points, Func<RunChartPoint, double?> value, string label, ScottPlot.Color color)
    {
        var kept = Finite(points, value);
        if (kept.Count == 0) return;
        if (kept.All(p => p.Y == kept[0].Y))
        {
            var line = plot.Add.HorizontalLine(kept[0].Y, width: 1.2f, color: color, pattern: LinePattern.Dashed);
            line.LegendText = label;
            return;
        }

        var scatter = plot.Add.Scatter(kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray(), color);
        scatter.LegendText = label;
        scatter.LineWidth = 1.2f;
        scatter.MarkerSize = 3;
        scatter.LinePattern = LinePattern.Dashed;
    }

    private static List<(double X, double Y)> Finite(List<RunChartPoint> points, Func<RunChartPoint, double?> value) =>
        points.Select(p => (X: (double)p.Iteration, Y: value(p)))
            .Where(p => p.Y is { } y && double.IsFinite(y)).Select(p => (p.X, Y: p.Y!.Value)).ToList();

    /// <summary>A dashed vertical line per diagnosed iteration, on every panel.</summary>
    private static void AddDiagnosisLines(Plot[] panels, IReadOnlyList<RunChartDiagnosis> diagnoses)
    {
        foreach (var iteration in diagnoses.Select(d => d.Iteration).Distinct().Order())
        {
            foreach (var panel in panels)
            {
                panel.Add.VerticalLine(iteration, width: 1, color: DiagnosisColor.WithAlpha(0.7), pattern: LinePattern.Dashed);
            }
        }
    }

    /// <summary>
    /// The codes, written once, inside the top panel just above its lower edge (the axis-line label would sit in the
    /// title's margin, and the top of the panel holds the legend). Needs the panel's final limits. Several codes at one iteration share a label, so they do not
    /// overprint; labels of nearby iterations may still touch, which a chart this size cannot avoid.
    /// </summary>
    private static void AddDiagnosisLabels(Plot panel, IReadOnlyList<RunChartDiagnosis> diagnoses)
    {
        var limits = panel.Axes.GetLimits();
        var middle = (limits.Left + limits.Right) / 2;
        foreach (var group in diagnoses.GroupBy(d => d.Iteration).OrderBy(g => g.Key))
        {
            var label = panel.Add.Text(string.Join(", ", group.Select(d => d.Code).Distinct()), group.Key, limits.Bottom);
            // Right of the line in the left half, left of it in the right half, so a late code is not cut off.
            var right = group.Key > middle;
            label.LabelAlignment = right ? Alignment.LowerRight : Alignment.LowerLeft;
            label.LabelOffsetX = right ? -3 : 3;
            label.LabelOffsetY = -3;
            label.LabelFontName = Imaging.Fonts.FamilyName;
            label.LabelFontSize = 11;
            label.LabelFontColor = DiagnosisColor;
        }
    }

    private static readonly ScottPlot.Color DiagnosisColor = Colors.Crimson;
}
