namespace GanService.Domain.Storage;

/// Blobs as files under one root folder. Writes go to a temporary file that is then renamed, so a
/// reader never sees half a blob and a crash leaves no partial file under the real key.
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string _root;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await content.CopyToAsync(file, cancellationToken);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true)
            : null;
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        DeleteFileIfPresent(PathOf(key));
        return Task.CompletedTask;
    }

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        // Prefixes used by the service are folders ("datasets/{id}/"); a folder prefix deletes the folder.
        var path = PathOf(prefix.TrimEnd('/'));
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else DeleteFileIfPresent(path);
        return Task.CompletedTask;
    }

    /// File.Delete ignores a missing file but throws for a missing folder; both mean "already gone".
    private static void DeleteFileIfPresent(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }

    public Task CheckAvailableAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_root)) throw new DirectoryNotFoundException($"Blob folder '{_root}' is missing.");
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        if (string.IsNullOrEmpty(key) || key.StartsWith('/') || key.Contains('\\') || key.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        var path = Path.GetFullPath(Path.Combine(_root, key));
        // Defence in depth: keys come from ids, but never let one escape the root.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        return path;
    }
}
