using System.Reflection;
using System.Runtime.CompilerServices;
using GanService.Domain.Charts;
using ScottPlot.Plottables;
using SkiaSharp;

namespace GanService.Domain.Tests.Charts;

public class RunChartTests
{
    /// <summary>Three logged steps, two evaluations (their own rows, as in RunMetrics), one diagnosis.</summary>
    private static RunChartInput History() => new("tiny run", [
        new(100, LossD: 1.4, LossG: 0.7, DReal: 0.6, DFake: 0.4),
        new(200, LossD: 1.2, LossG: 0.9, DReal: 0.7, DFake: 0.3),
        new(200, Swd: 80, SwdRealFloor: 20, Diversity: 0.10, RealDiversity: 0.13),
        new(300, LossD: 1.0, LossG: 1.1, DReal: 0.8, DFake: 0.2),
        new(400, Swd: 60, SwdRealFloor: 21, Diversity: 0.12, RealDiversity: 0.13),
    ], [new(300, "d_overpowering")]);

    private static SKBitmap Decode(byte[] png) =>
        SKBitmap.Decode(png) ?? throw new Xunit.Sdk.XunitException("the bytes are not an image Skia can decode");

    [Fact]
    public void Png_decodes_at_the_asked_size()
    {
        var png = RunChart.RenderPng(History(), 800, 600);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        using var bitmap = Decode(png);
        Assert.Equal((800, 600), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Default_size_is_1000_square()
    {
        using var bitmap = Decode(RunChart.RenderPng(History()));

        Assert.Equal((RunChart.DefaultWidth, RunChart.DefaultHeight), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Panels_hold_the_series_with_the_given_points()
    {
        var panels = RunChart.Build(History());

        Assert.Equal(4, panels.Count);
        Assert.Equal([(100.0, 1.4), (200, 1.2), (300, 1.0)], Points(panels[RunChart.LossPanel], "loss D"));
        Assert.Equal([(100.0, 0.7), (200, 0.9), (300, 1.1)], Points(panels[RunChart.LossPanel], "loss G"));
        Assert.Equal([(100.0, 0.6), (200, 0.7), (300, 0.8)], Points(panels[RunChart.DiscriminatorPanel], "D(real)"));
        Assert.Equal([(100.0, 0.4), (200, 0.3), (300, 0.2)], Points(panels[RunChart.DiscriminatorPanel], "D(fake)"));
        Assert.Equal([(200.0, 80), (400, 60)], Points(panels[RunChart.SwdPanel], "SWD"));
        Assert.Equal([(200.0, 20), (400, 21)], Points(panels[RunChart.SwdPanel], "real-vs-real floor"));
        Assert.Equal([(200.0, 0.10), (400, 0.12)], Points(panels[RunChart.DiversityPanel], "diversity"));
        // The real set's diversity does not change over a run: one line across the panel.
        var realSet = Assert.Single(panels[RunChart.DiversityPanel].GetPlottables().OfType<HorizontalLine>());
        Assert.Equal(("real set", 0.13), (realSet.LegendText, realSet.Y));
    }

    [Fact]
    public void Diagnoses_are_vertical_lines_on_every_panel_labelled_once_with_their_codes()
    {
        var input = History() with { Diagnoses = [new(300, "d_overpowering"), new(300, "g_stuck"), new(400, "mode_collapse")] };

        var panels = RunChart.Build(input);

        Assert.All(panels, p => Assert.Equal([300.0, 400.0], p.GetPlottables().OfType<VerticalLine>().Select(l => l.X)));
        Assert.Equal([(300.0, "d_overpowering, g_stuck"), (400.0, "mode_collapse")],
            panels[0].GetPlottables().OfType<Text>().Select(t => (t.Location.X, t.LabelText)));
        Assert.All(panels.Skip(1), p => Assert.Empty(p.GetPlottables().OfType<Text>()));
    }

    [Fact]
    public void Nulls_and_non_finite_values_are_left_out_of_their_series()
    {
        var input = new RunChartInput("gaps", [
            new(1, LossD: 1.0, LossG: double.NaN),
            new(2, LossD: double.PositiveInfinity, LossG: 2.0),
            new(3, LossD: 3.0),
        ], []);

        var panels = RunChart.Build(input);

        Assert.Equal([(1.0, 1.0), (3, 3.0)], Points(panels[RunChart.LossPanel], "loss D"));
        Assert.Equal([(2.0, 2.0)], Points(panels[RunChart.LossPanel], "loss G"));
        // No D outputs and no evaluations yet: those panels hold no series (they say so), and it still renders.
        Assert.Empty(panels[RunChart.SwdPanel].GetPlottables().OfType<Scatter>());
        using var bitmap = Decode(RunChart.RenderPng(input, 400, 400));
        Assert.Equal(400, bitmap.Width);
    }

    [Fact]
    public void Empty_history_renders_a_note_instead_of_panels()
    {
        var input = new RunChartInput("new run", [], []);

        var panels = RunChart.Build(input);
        using var bitmap = Decode(RunChart.RenderPng(input, 600, 400));

        Assert.Equal(["new run", RunChart.EmptyText],
            Assert.Single(panels).GetPlottables().OfType<ScottPlot.Plottables.Annotation>().Select(a => a.Text));
        Assert.Equal((600, 400), (bitmap.Width, bitmap.Height));
        Assert.True(DarkPixels(bitmap, new SKRectI(150, 150, 450, 250)) > 100, "the note in the middle is not drawn");
    }

    [Fact]
    public void Title_text_renders_with_the_embedded_font()
    {
        // The title band holds nothing but the title, so ink there is glyphs: a blank band means no font was found.
        var band = new SKRectI(100, 0, 900, 30);
        using var titled = Decode(RunChart.RenderPng(History() with { Title = "WWWWWWWW training history MMMMMMMM" }));
        using var untitled = Decode(RunChart.RenderPng(History() with { Title = "" }));
        Assert.True(DarkPixels(titled, band) > 300, $"title band has only {DarkPixels(titled, band)} dark pixels");
        Assert.True(DarkPixels(untitled, band) < 20, "the band has ink without a title; the test measures the wrong place");
        Assert.Equal(GanService.Domain.Imaging.Fonts.FamilyName, ScottPlot.Fonts.GetTypeface(GanService.Domain.Imaging.Fonts.FamilyName, false, false).FamilyName);
    }

    /// <summary>
    /// ScottPlot 5.1.59 and SkiaSharp.HarfBuzz 3.119.0 (its dependency) are compiled against SkiaSharp 3.119 while the
    /// service pins SkiaSharp 4.155. NuGet takes the higher version without complaint, so a removed or changed Skia
    /// member would only show as MissingMethodException at the first render that reaches it. Compiling every
    /// method of both assemblies up front binds every Skia member they use, rendered or not.
    /// </summary>
    [Theory]
    [InlineData("ScottPlot")]
    [InlineData("SkiaSharp.HarfBuzz")]
    public void Every_method_binds_against_the_pinned_SkiaSharp(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var failures = new List<string>();
        var compiled = 0;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            throw new Xunit.Sdk.XunitException("types fail to load: " + string.Join("; ", e.LoaderExceptions.Select(x => x?.Message)));
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types.Where(t => !t.ContainsGenericParameters))
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null) continue;
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception e) when (e is MissingMemberException or TypeLoadException or BadImageFormatException or FileLoadException)
                {
                    failures.Add($"{type.FullName}.{method.Name}: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(compiled > 20, $"only {compiled} methods compiled; the check checked nothing");
        Assert.Equal(4, typeof(SKCanvas).Assembly.GetName().Version!.Major);
    }

    private static List<(double X, double Y)> Points(ScottPlot.Plot panel, string legend) =>
        panel.GetPlottables().OfType<Scatter>().Single(s => s.LegendText == legend)
            .Data.GetScatterPoints().Select(c => (c.X, c.Y)).ToList();

    private static int DarkPixels(SKBitmap bitmap, SKRectI area)
    {
        var count = 0;
        for (var y = area.Top; y < area.Bottom; y++)
        {
            for (var x = area.Left; x < area.Right; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 128) count++;
            }
        }

        return count;
    }
}
