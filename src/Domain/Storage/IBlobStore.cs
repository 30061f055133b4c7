namespace GanService.Domain.Storage;

/// Where uploaded originals, checkpoints and sample grids live: a folder in embedded mode, S3 in server mode.
/// Keys are '/'-separated paths built by the service from ids, never from user input.
public interface IBlobStore
{
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);
    /// Null when the blob does not exist.
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
    /// Deletes every blob whose key starts with the prefix.
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);
    /// The keys that start with the prefix (all keys for ""), sorted ordinal. Blobs being written are not listed.
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);
    /// As ListAsync, with when each blob was last written by the store's clock (the orphan cleanup ages blobs by it).
    Task<IReadOnlyList<BlobInfo>> ListInfoAsync(string prefix, CancellationToken cancellationToken = default);
    /// For readiness probes: throws when the store cannot be reached.
    Task CheckAvailableAsync(CancellationToken cancellationToken = default);
}

public sealed record BlobInfo(string Key, DateTimeOffset LastModified);

public static class BlobStoreExtensions
{
    public static async Task PutAsync(this IBlobStore store, string key, byte[] content, CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(content, writable: false);
        await store.PutAsync(key, stream, cancellationToken);
    }

    public static async Task<byte[]?> ReadAllBytesAsync(this IBlobStore store, string key, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken);
        if (stream is null) return null;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
