using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Data;

/// <summary>One source image as the cache key sees it: its content hash, and the tags and label that select it.</summary>
public sealed record TrainingSource(string ContentHash, IReadOnlyList<string>? Tags = null, string? Label = null);

/// <summary>
/// Names the tensor <see cref="TrainingData.Build"/> makes: a SHA-256 over everything it depends on, the ordered
/// sources (content hashes, tags, labels) and the config's resolution, channels, preprocessing, tag filters and
/// conditional settings. Excluded images are left out of the sources by the caller, so exclusion changes the key too.
/// </summary>
public sealed record TrainingDataKey(string Hash)
{
    public static TrainingDataKey For(IEnumerable<TrainingSource> sources, GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(config);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Each field ends in a NUL, and lists carry their length, so no two inputs run together into the same bytes.
        void Add(string text)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(text));
            sha.AppendData([0]);
        }
        void AddList(IReadOnlyList<string> items)
        {
            Add(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var item in items) Add(item);
        }
        Add("training-data/1");
        Add(FormattableString.Invariant($"{config.Resolution}x{config.Channels} conditional={config.Conditional} classes={config.NumClasses}"));
        Add(JsonSerializer.Serialize(config.EffectivePreprocess, GanPresets.JsonOptions));
        AddList(config.IncludeTags);
        AddList(config.ExcludeTags);
        foreach (var source in sources)
        {
            Add(source.ContentHash);
            AddList(source.Tags ?? []);
            Add(source.Label is null ? "\u0001" : source.Label);
        }
        return new TrainingDataKey(Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}

/// <summary>Section <c>TrainingDataCache</c>.</summary>
public sealed record TrainingDataCacheSettings
{
    /// <summary>Prepared tensors kept in memory, at most this many MB (least recently used go first); 0 = off.</summary>
    public double MaxMegabytes { get; init; } = 1024;
}

/// <summary>
/// A use of a prepared training tensor. On the CPU it is the cache's own tensor, shared by every lease of the same
/// key (trainers only read it); on another device it is a copy that the lease owns. Dispose the lease, never
/// <see cref="Data"/>: the cache frees an unleased entry when it needs the room.
/// </summary>
public sealed class TrainingDataLease : IDisposable
{
    private readonly Action? _release;
    private int _disposed;

    internal TrainingDataLease(TrainingData data, bool hit, Action? release)
    {
        Data = data;
        Hit = hit;
        _release = release;
    }

    public TrainingData Data { get; }

    /// <summary>True when the tensor came from the cache, without decoding and cleaning the images.</summary>
    public bool Hit { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_release is null) Data.Dispose();
        else _release();
    }
}

/// <summary>
/// Prepared training tensors by <see cref="TrainingDataKey"/>, in this process's memory, bounded by bytes with
/// least-recently-used eviction. A resume, a preemption, a fork or the runs of a sweep on this worker then skip
/// reading, decoding and cleaning the whole set again. Entries in use are never freed; an entry larger than the whole
/// bound is built, leased and freed with its lease. Thread-safe; two misses of one key at once may both build (the
/// second copy is dropped), which is cheaper than making every caller wait on one lock.
/// </summary>
public sealed class TrainingDataCache(long maxBytes) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TrainingDataKey, Entry> _entries = [];
    private readonly LinkedList<Entry> _recency = []; // most recently used first

    public TrainingDataCache(TrainingDataCacheSettings settings)
        : this((long)((settings ?? throw new ArgumentNullException(nameof(settings))).MaxMegabytes * 1024 * 1024))
    {
    }

    public long MaxBytes { get; } = maxBytes >= 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes));

    /// <summary>Bytes held by cached entries, leased or not.</summary>
    public long Bytes { get { lock (_gate) return _entries.Values.Sum(e => e.Bytes); } }

    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>
    /// The tensor for <paramref name="key"/>: from the cache, or made by <paramref name="build"/> (on the CPU, owned by
    /// the cache from then on). With a non-CPU <paramref name="device"/> the lease holds its own copy there.
    /// </summary>
    public async Task<TrainingDataLease> GetOrBuildAsync(TrainingDataKey key, Func<Task<TrainingData>> build, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(build);
        var entry = Acquire(key);
        var hit = entry is not null;
        if (entry is null)
        {
            var built = await build();
            if (built.Images.device.type != DeviceType.CPU)
            {
                built.Dispose();
                throw new ArgumentException("the cache keeps training data on the CPU", nameof(build));
            }
            entry = Add(key, built);
        }
        if (device is null || device.type == DeviceType.CPU)
            return new TrainingDataLease(entry.Data, hit, () => Release(entry));
        try
        {
            return new TrainingDataLease(entry.Data.CopyTo(device), hit, release: null);
        }
        finally
        {
            Release(entry);
        }
    }

    public TrainingDataLease GetOrBuild(TrainingDataKey key, Func<TrainingData> build, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        // The build runs synchronously inside, so the task is complete when it returns.
        return GetOrBuildAsync(key, () => Task.FromResult(build()), device).GetAwaiter().GetResult();
    }

    private Entry? Acquire(TrainingDataKey key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry)) return null;
            entry.Leases++;
            _recency.Remove(entry.Node);
            _recency.AddFirst(entry.Node);
            return entry;
        }
    }

    private Entry Add(TrainingDataKey key, TrainingData data)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                data.Dispose(); // built twice at once: keep the first
                existing.Leases++;
                return existing;
            }
            var entry = new Entry(key, data) { Leases = 1 };
            if (entry.Bytes > MaxBytes) return entry; // too large to keep: freed with its lease
            entry.Cached = true;
            _entries.Add(key, entry);
            _recency.AddFirst(entry.Node);
            Trim();
            return entry;
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Leases--;
            if (entry.Leases == 0 && !entry.Cached) entry.Data.Dispose();
            else Trim();
        }
    }

    /// <summary>Frees least recently used entries that no one leases until the cached bytes fit the bound.</summary>
    private void Trim()
    {
        var bytes = _entries.Values.Sum(e => e.Bytes);
        for (var node = _recency.Last; node is not null && bytes > MaxBytes;)
        {
            var previous = node.Previous;
            var entry = node.Value;
            if (entry.Leases == 0)
            {
                Evict(entry);
                entry.Data.Dispose();
                bytes -= entry.Bytes;
            }
            node = previous;
        }
    }

    private void Evict(Entry entry)
    {
        _entries.Remove(entry.Key);
        _recency.Remove(entry.Node);
        entry.Cached = false;
    }

    /// <summary>Frees what no one leases; leased entries are freed when their last lease ends.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values.ToList())
            {
                Evict(entry);
                if (entry.Leases == 0) entry.Data.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public Entry(TrainingDataKey key, TrainingData data)
        {
            Key = key;
            Data = data;
            Bytes = data.SizeBytes;
            Node = new LinkedListNode<Entry>(this);
        }

        public TrainingDataKey Key { get; }
        public TrainingData Data { get; }
        public long Bytes { get; }
        public LinkedListNode<Entry> Node { get; }
        public int Leases { get; set; }
        public bool Cached { get; set; }
    }
}
