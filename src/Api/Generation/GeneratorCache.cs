using System.Diagnostics;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using TorchSharp;

namespace GanService.Api.Generation;

/// <summary>
/// Generators loaded from checkpoints, kept in a bounded least-recently-used cache keyed by the checkpoint's blob key
/// (checkpoint keys are immutable, so an entry never goes stale). Concurrent misses for one key share one load. An
/// evicted generator is disposed when its last user is done with it. Forward passes go through a gate: libtorch
/// already uses every core for one, so running several at once only makes them fight over the cores.
/// </summary>
public sealed class GeneratorCache(IBlobStore blobs, GenerationSettings settings, ILogger<GeneratorCache> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _recent = []; // most recently used first
    private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = [];
    private readonly SemaphoreSlim _forwardGate = new(Math.Max(1, settings.ConcurrentForwardPasses));

    /// <summary>A loaded generator held for one request; dispose it when done.</summary>
    public sealed class Lease(GeneratorCache cache, Entry entry, LoadedGenerator generator, bool loadedNow) : IDisposable
    {
        private int _released;

        public LoadedGenerator Generator { get; } = generator;

        /// <summary>True for the request that waited for the load (a cache miss).</summary>
        public bool LoadedNow { get; } = loadedNow;

        public TimeSpan LoadTime => entry.LoadTime;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) cache.Release(entry);
        }
    }

    public sealed class Entry(string key)
    {
        public string Key { get; } = key;
        public string? Sha256 { get; init; }
        public Task<LoadedGenerator> Loading { get; set; } = null!;
        public int Users { get; set; }
        public bool Evicted { get; set; }
        public TimeSpan LoadTime { get; set; }
    }

    public int Count { get { lock (_lock) return _byKey.Count; } }

    /// <summary>The generator of the checkpoint under <paramref name="checkpointKey"/>, loaded on a miss.</summary>
    /// <exception cref="CheckpointMissingException">The blob is not in storage.</exception>
    /// <exception cref="CorruptCheckpointException">Its content does not match <paramref name="sha256"/>, the hash recorded when it was written.</exception>
    public async Task<Lease> AcquireAsync(string checkpointKey, CancellationToken cancellationToken, string? sha256 = null)
    {
        Entry entry;
        bool loadedNow;
        lock (_lock)
        {
            if (_byKey.TryGetValue(checkpointKey, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                entry = node.Value;
                loadedNow = !entry.Loading.IsCompleted;
            }
            else
            {
                entry = new Entry(checkpointKey) { Sha256 = sha256 };
                // Not the request's token: other requests may come to share this load.
                entry.Loading = LoadAsync(entry);
                _byKey[checkpointKey] = _recent.AddFirst(entry);
                loadedNow = true;
                EvictOverCapacity();
            }
            entry.Users++;
        }
        try
        {
            var generator = await entry.Loading.WaitAsync(cancellationToken);
            return new Lease(this, entry, generator, loadedNow);
        }
        catch
        {
            Release(entry);
            if (entry.Loading.IsFaulted) Forget(entry); // the next request tries again
            throw;
        }
    }

    /// <summary>Runs a forward pass (or anything CPU-heavy with torch) when the gate lets it; marks "queue" and "forward".</summary>
    public async Task<T> ComputeAsync<T>(Func<T> work, ServerTiming timing, CancellationToken cancellationToken)
    {
        await _forwardGate.WaitAsync(cancellationToken);
        timing.Mark("queue");
        try
        {
            var result = work();
            timing.Mark("forward");
            return result;
        }
        finally
        {
            _forwardGate.Release();
        }
    }

    private async Task<LoadedGenerator> LoadAsync(Entry entry)
    {
        var watch = Stopwatch.StartNew();
        // With a recorded hash the blob is read whole and checked first; older checkpoints have none and are streamed.
        await using var stream = entry.Sha256 is null
            ? await blobs.OpenReadAsync(entry.Key, CancellationToken.None) ?? throw new CheckpointMissingException(entry.Key)
            : await CheckpointIntegrity.ReadVerifiedAsync(blobs, entry.Key, entry.Sha256) ?? throw new CheckpointMissingException(entry.Key);
        // Reads the header and the generator's section only; the stream need not seek (S3).
        var generator = await Task.Run(() => LoadedGenerator.FromCheckpoint(stream, torch.CPU));
        entry.LoadTime = watch.Elapsed;
        logger.LogInformation("Loaded generator {Module} of {Key} ({Megabytes:0.0} MB of weights) in {Milliseconds:0} ms",
            generator.Module, entry.Key, generator.ParameterBytes / 1e6, watch.Elapsed.TotalMilliseconds);
        return generator;
    }

    private void EvictOverCapacity()
    {
        while (_byKey.Count > Math.Max(1, settings.CacheSize) && _recent.Last is { } oldest)
        {
            _recent.RemoveLast();
            _byKey.Remove(oldest.Value.Key);
            oldest.Value.Evicted = true;
            if (oldest.Value.Users == 0) DisposeWhenLoaded(oldest.Value);
        }
    }

    private void Release(Entry entry)
    {
        lock (_lock)
        {
            entry.Users--;
            if (entry.Evicted && entry.Users == 0) DisposeWhenLoaded(entry);
        }
    }

    private void Forget(Entry entry)
    {
        lock (_lock)
        {
            if (_byKey.TryGetValue(entry.Key, out var node) && node.Value == entry)
            {
                _byKey.Remove(entry.Key);
                _recent.Remove(node);
            }
        }
    }

    private static void DisposeWhenLoaded(Entry entry) =>
        entry.Loading.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _byKey.Values.Select(n => n.Value)) DisposeWhenLoaded(entry);
            _byKey.Clear();
            _recent.Clear();
        }
        _forwardGate.Dispose();
    }
}

/// <summary>A checkpoint the database lists is not in storage.</summary>
public sealed class CheckpointMissingException(string key) : Exception($"The checkpoint {key} is missing from storage.");
