using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Datasets;

namespace GanService.Domain.Tests.Imaging.Datasets;

public sealed class NearDuplicatesTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    private static (string Name, ulong Hash) Hashed(string folder, string file) =>
        ($"{folder}/{file}", PerceptualHash.Of(ImagePreprocessor.Prepare(
            PixelImage.Decode(File.ReadAllBytes(Path.Combine(Fixtures, folder, file)), 1), 64, PerceptualHash.ComparableCleanUp)));

    [Fact]
    public void Two_simulated_photos_of_one_drawing_group_together_and_apart_from_the_other_drawings()
    {
        var drawings = Directory.GetFiles(Path.Combine(Fixtures, "symbola176-phone-flat")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(4, drawings.Length);
        // Upload order: the four flat photos, then a second photo of the first drawing (tilted, on a dark table).
        var images = drawings.Select(d => Hashed("symbola176-phone-flat", d!)).Append(Hashed("symbola176-phone", drawings[0]!)).ToList();

        var groups = NearDuplicates.Group(images, i => i.Hash);

        var group = Assert.Single(groups);
        Assert.Equal([$"symbola176-phone-flat/{drawings[0]}", $"symbola176-phone/{drawings[0]}"], group.Select(i => i.Name));
    }

    [Fact]
    public void The_hash_is_the_same_for_the_same_pixels_and_round_trips_as_hex()
    {
        var (_, hash) = Hashed("symbola176", Directory.GetFiles(Path.Combine(Fixtures, "symbola176")).Select(Path.GetFileName).Order().First()!);
        Assert.Equal(hash, PerceptualHash.Parse(PerceptualHash.Format(hash)));
        Assert.Equal(16, PerceptualHash.Format(hash).Length);
        Assert.Equal(0, PerceptualHash.Distance(hash, hash));
        Assert.Equal(64, PerceptualHash.Distance(0, ulong.MaxValue));
    }

    [Fact]
    public void Grouping_is_transitive_and_keeps_upload_order()
    {
        // 0 and 1 differ in 6 bits, 1 and 2 in 6, 0 and 2 in 12: one chain, one group.
        ulong[] hashes = [0, 0x3F, 0xFFF, ulong.MaxValue];
        var groups = NearDuplicates.Group(hashes, h => h);
        Assert.Equal([0UL, 0x3FUL, 0xFFFUL], Assert.Single(groups));
    }
}
