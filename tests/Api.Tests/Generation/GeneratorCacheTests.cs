using GanService.Api.Generation;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GanService.Api.Tests.Generation;

/// The cache over a real file-system blob store with two tiny checkpoints.
public sealed class GeneratorCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ganservice-cache-").FullName;
    private readonly FileSystemBlobStore _blobs;

    public GeneratorCacheTests()
    {
        _blobs = new FileSystemBlobStore(_root);
        var config = GanPresets.SmallDataConfig with
        {
            Resolution = 16, BatchSize = 4, LatentDim = 8, GeneratorChannels = 8, DiscriminatorChannels = 8, Seed = 1, Threads = 1,
        };
        using var data = TrainingData.FromTensor(rand([8, 1, 16, 16]) * 2 - 1);
        using var trainer = new GanTrainer(config, data, options: new GanTrainerOptions { EvaluationSamples = 8, DiversityPairs = 4, FixedSamples = 4 });
        foreach (var key in new[] { "runs/a/ckpt/1", "runs/b/ckpt/1" })
        {
            trainer.Train(1);
            using var checkpoint = new MemoryStream();
            trainer.SaveCheckpoint(checkpoint);
            checkpoint.Position = 0;
            _blobs.PutAsync(key, checkpoint).GetAwaiter().GetResult();
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private GeneratorCache Cache(int size) => new(_blobs, new GenerationSettings { CacheSize = size }, NullLogger<GeneratorCache>.Instance);

    [Fact]
    public async Task Concurrent_misses_share_one_load_and_later_requests_hit()
    {
        using var cache = Cache(4);

        var leases = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => cache.AcquireAsync("runs/a/ckpt/1", CancellationToken.None)));
        using var later = await cache.AcquireAsync("runs/a/ckpt/1", CancellationToken.None);

        Assert.All(leases, l => Assert.Same(leases[0].Generator, l.Generator));
        Assert.Same(leases[0].Generator, later.Generator);
        Assert.False(later.LoadedNow);
        Assert.Equal(1, cache.Count);
        foreach (var lease in leases) lease.Dispose();
    }

    [Fact]
    public async Task The_least_recently_used_generator_is_evicted_but_stays_usable_while_leased()
    {
        using var cache = Cache(1);
        var a = await cache.AcquireAsync("runs/a/ckpt/1", CancellationToken.None);

        using var b = await cache.AcquireAsync("runs/b/ckpt/1", CancellationToken.None); // evicts a

        Assert.Equal(1, cache.Count);
        using (var images = a.Generator.Generate(2, seed: 3)) // still usable: a's lease holds it
            Assert.Equal(new long[] { 2, 1, 16, 16 }, images.shape);
        a.Dispose();
        using var again = await cache.AcquireAsync("runs/a/ckpt/1", CancellationToken.None); // evicts b (its lease lives on)
        Assert.True(again.LoadedNow);
        Assert.NotSame(a.Generator, again.Generator);
    }

    [Fact]
    public async Task A_missing_checkpoint_is_reported_and_not_remembered()
    {
        using var cache = Cache(2);

        await Assert.ThrowsAsync<CheckpointMissingException>(() => cache.AcquireAsync("runs/none/ckpt/1", CancellationToken.None));
        Assert.Equal(0, cache.Count);

        await _blobs.PutAsync("runs/none/ckpt/1", (await _blobs.ReadAllBytesAsync("runs/a/ckpt/1"))!);
        using var lease = await cache.AcquireAsync("runs/none/ckpt/1", CancellationToken.None); // tried again, found
        Assert.True(lease.LoadedNow);
    }
}
