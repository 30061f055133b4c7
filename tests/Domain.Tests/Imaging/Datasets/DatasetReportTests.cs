using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Datasets;
using Fixtures = GanService.Domain.Tests.Imaging.Fixtures;

namespace GanService.Domain.Tests.Imaging.Datasets;

public sealed class DatasetReportTests
{
    private static ReportSource Source(string name, PixelImage picture, DateTime? takenAt = null, bool excluded = false) =>
        new(Guid.NewGuid(), name, picture.Width, picture.Height, picture.Pixels.Length, takenAt, excluded, picture);

    [Fact]
    public void The_report_counts_dates_groups_the_second_photo_puts_bad_photos_first_and_recommends_a_resolution()
    {
        var stems = Fixtures.DrawingStems;
        var sources = new List<ReportSource>();
        foreach (var (stem, i) in stems.Select((s, i) => (s, i)))
            sources.Add(Source($"{stem}.jpg", Fixtures.PhoneFlat(stem), new DateTime(2018, 4 + i, 1)));
        sources.Add(Source($"{stems[0]}-again.jpg", Fixtures.Phone(stems[0])));
        var dark = Fixtures.Uniform(200, 200, 30);
        sources.Add(Source("dark.jpg", dark));
        sources.Add(Source("left-out.jpg", Fixtures.Clean(stems[1]), excluded: true));

        var report = DatasetReport.Build(sources, PreprocessOptions.Default);

        Assert.Equal(7, report.Images);
        Assert.Equal(1, report.Excluded);
        Assert.Equal(4, report.WithDate);
        Assert.Equal(new DateTime(2018, 4, 1), report.TakenFrom);
        Assert.Equal(new DateTime(2018, 4 + stems.Length - 1, 1), report.TakenTo);
        Assert.Equal(6, report.ByConfidence.Count); // the excluded image is not judged
        Assert.Equal("dark.jpg", report.ByConfidence[0].FileName);
        Assert.True(report.ByConfidence[0].Confidence < 0.5, $"{report.ByConfidence[0]}");
        Assert.NotEmpty(report.ByConfidence[0].Concerns);
        Assert.True(report.ByConfidence[^1].Confidence > 0.9);
        var group = Assert.Single(report.NearDuplicates);
        Assert.Equal([sources[0].Id, sources[stems.Length].Id], group);
        Assert.Contains(report.RecommendedResolution, new[] { 32, 64, 128, 256 });
        Assert.Contains("px", report.ResolutionReason);
        Assert.All(report.ByConfidence, i => Assert.Equal(16, i.PerceptualHash.Length));
    }

    [Fact]
    public void Fine_detail_asks_for_more_pixels_than_a_plain_shape()
    {
        var coarse = Enumerable.Range(0, 3).Select(i => Source($"block{i}", Fixtures.Block(256, 256, 60 + i * 10, 60, 120, 120))).ToList();
        var fine = Enumerable.Range(0, 3).Select(i => Source($"lines{i}", Lines(256, 2 + i % 2))).ToList();
        var none = PreprocessOptions.None;
        Assert.True(DatasetReport.Build(fine, none).RecommendedResolution > DatasetReport.Build(coarse, none).RecommendedResolution);
    }

    /// <summary>One-pixel lines every <paramref name="pitch"/> pixels: detail that only a large resolution keeps.</summary>
    private static PixelImage Lines(int side, int pitch)
    {
        var pixels = new byte[side * side];
        for (var y = 0; y < side; y++)
            for (var x = 0; x < side; x++)
                pixels[y * side + x] = (byte)(x % (pitch * 2) == 0 ? 0 : 255);
        return new PixelImage(side, side, 1, pixels);
    }
}
