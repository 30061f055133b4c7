using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Imaging;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Data;

[Collection(TorchCollection.Name)]
public class TrainingDataCacheTests
{
    private static readonly GanConfig Config = GanPresets.SmallDataConfig with { Resolution = 16 };

    private static readonly TrainingSource[] Sources = [new("aa", ["cat"], "x"), new("bb", [], null)];

    /// <summary>16 x 16 gray images: 1 KiB of floats each.</summary>
    private static TrainingData Images(int n) => TrainingData.FromTensor(zeros(n, 1, 16, 16));

    [Fact]
    public void The_key_follows_everything_the_tensor_depends_on()
    {
        var key = TrainingDataKey.For(Sources, Config);

        Assert.Equal(key, TrainingDataKey.For(Sources.ToArray(), Config with { Iterations = 7, LrD = 0.1 }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources.Reverse(), Config));
        Assert.NotEqual(key, TrainingDataKey.For([Sources[0] with { ContentHash = "ab" }, Sources[1]], Config));
        Assert.NotEqual(key, TrainingDataKey.For([Sources[0] with { Tags = ["dog"] }, Sources[1]], Config));
        Assert.NotEqual(key, TrainingDataKey.For([Sources[0] with { Label = "y" }, Sources[1]], Config));
        Assert.NotEqual(key, TrainingDataKey.For(Sources.Take(1), Config));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { Resolution = 32 }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { Channels = 3 }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { Conditional = true }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { IncludeTags = ["cat"] }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { ExcludeTags = ["cat"] }));
        Assert.NotEqual(key, TrainingDataKey.For(Sources, Config with { Preprocess = PreprocessOptions.Default with { Denoise = 3 } }));
    }

    [Fact]
    public void A_second_lease_of_a_key_shares_the_prepared_tensor_without_building()
    {
        using var cache = new TrainingDataCache(1 << 20);
        var key = TrainingDataKey.For(Sources, Config);
        var builds = 0;
        TrainingData Build() { builds++; return Images(3); }

        using var first = cache.GetOrBuild(key, Build);
        using var second = cache.GetOrBuild(key, Build);

        Assert.Equal(1, builds);
        Assert.False(first.Hit);
        Assert.True(second.Hit);
        Assert.Same(first.Data, second.Data);
        Assert.Equal(3 * 16 * 16 * 4, cache.Bytes);
    }

    [Fact]
    public void Least_recently_used_unleased_entries_go_when_the_bound_is_reached()
    {
        using var cache = new TrainingDataCache(2 * 1024); // two 1 KiB entries
        TrainingDataKey Key(string hash) => TrainingDataKey.For([new TrainingSource(hash)], Config);
        var a = cache.GetOrBuild(Key("a"), () => Images(1));
        var aData = a.Data;
        a.Dispose();
        cache.GetOrBuild(Key("b"), () => Images(1)).Dispose();
        cache.GetOrBuild(Key("a"), () => throw new InvalidOperationException("a is cached")).Dispose(); // a is now the most recent

        cache.GetOrBuild(Key("c"), () => Images(1)).Dispose();

        Assert.Equal(2, cache.Count);
        Assert.False(aData.Images.IsInvalid);
        Assert.True(cache.GetOrBuild(Key("a"), () => Images(1)).Hit);
        using var b = cache.GetOrBuild(Key("b"), () => Images(1));
        Assert.False(b.Hit); // b was the least recently used
    }

    [Fact]
    public void A_leased_entry_is_kept_past_the_bound_and_an_unleased_one_goes_instead()
    {
        using var cache = new TrainingDataCache(1024); // one 1 KiB entry
        TrainingDataKey Key(string hash) => TrainingDataKey.For([new TrainingSource(hash)], Config);
        var held = cache.GetOrBuild(Key("held"), () => Images(1));

        var other = cache.GetOrBuild(Key("other"), () => Images(1));
        Assert.Equal(2, cache.Count); // both in use: over the bound until one is released
        var otherData = other.Data;
        other.Dispose();

        Assert.Equal(1, cache.Count);
        Assert.True(otherData.Images.IsInvalid);
        Assert.False(held.Data.Images.IsInvalid);
        held.Dispose();
        using var again = cache.GetOrBuild(Key("held"), () => Images(1));
        Assert.True(again.Hit);
    }

    [Fact]
    public void An_entry_larger_than_the_bound_is_leased_but_not_kept()
    {
        using var cache = new TrainingDataCache(0);
        var key = TrainingDataKey.For(Sources, Config);
        var lease = cache.GetOrBuild(key, () => Images(2));
        var data = lease.Data;

        Assert.Equal(0, cache.Count);
        Assert.False(data.Images.IsInvalid);
        lease.Dispose();
        Assert.True(data.Images.IsInvalid);
    }
}
