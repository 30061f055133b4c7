using GanService.Domain.Storage;

namespace GanService.Domain.Jobs;

/// <summary>
/// The blob store as training sees it: every call tried again through a storage fault (<see cref="TransientRetry"/>).
/// A read is buffered whole, so that a connection dropped half-way is retried too, rather than surface in the middle
/// of a checkpoint load; training blobs (images, checkpoints, grids) fit in memory anyway.
/// </summary>
internal sealed class RetryingBlobStore(IBlobStore inner, TransientRetry retry) : IBlobStore
{
    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        if (!content.CanSeek) return inner.PutAsync(key, content, cancellationToken); // cannot be sent again
        var start = content.Position;
        return retry.RunAsync($"writing {key}", () =>
        {
            content.Position = start;
            return inner.PutAsync(key, content, cancellationToken);
        }, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
        retry.RunAsync<Stream?>($"reading {key}", async () =>
        {
            await using var stream = await inner.OpenReadAsync(key, cancellationToken);
            if (stream is null) return null;
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            return buffer;
        }, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        retry.RunAsync($"deleting {key}", () => inner.DeleteAsync(key, cancellationToken), cancellationToken);

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        retry.RunAsync($"deleting {prefix}", () => inner.DeletePrefixAsync(prefix, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        retry.RunAsync($"listing {prefix}", () => inner.ListAsync(prefix, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<BlobInfo>> ListInfoAsync(string prefix, CancellationToken cancellationToken = default) =>
        retry.RunAsync($"listing {prefix}", () => inner.ListInfoAsync(prefix, cancellationToken), cancellationToken);

    public Task CheckAvailableAsync(CancellationToken cancellationToken = default) => inner.CheckAvailableAsync(cancellationToken);
}
