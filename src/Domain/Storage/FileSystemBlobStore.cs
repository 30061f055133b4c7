using System.Text.RegularExpressions;

namespace GanService.Domain.Storage;

/// Blobs as files under one root folder. Writes go to a temporary file that is then renamed, so a
/// reader never sees half a blob and a crash leaves no partial file under the real key.
public sealed partial class FileSystemBlobStore : IBlobStore
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
                // On the disk before the rename: a full disk (ENOSPC may come only now, on some file systems) or a
                // power cut then leaves at most a .partial file, never a short blob under the real key.
                file.Flush(flushToDisk: true);
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
        BlobKeys.CheckPrefix(prefix, allowEmpty: false);
        if (prefix.EndsWith('/'))
        {
            // A folder prefix ("datasets/{id}/", the service's usual one) deletes the folder at once.
            var folder = PathOf(prefix.TrimEnd('/'));
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            return Task.CompletedTask;
        }
        foreach (var key in ListKeys(prefix)) DeleteFileIfPresent(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>(ListKeys(BlobKeys.CheckPrefix(prefix, allowEmpty: true)));

    public Task<IReadOnlyList<BlobInfo>> ListInfoAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var blobs = new List<BlobInfo>();
        foreach (var key in ListKeys(BlobKeys.CheckPrefix(prefix, allowEmpty: true)))
        {
            // The rename keeps the temporary file's write time, so this is when the bytes were written.
            var written = File.GetLastWriteTimeUtc(PathOf(key));
            // Deleted since it was listed (1601-01-01 is File's answer for a missing file).
            if (written.Year > 1601) blobs.Add(new BlobInfo(key, new DateTimeOffset(written, TimeSpan.Zero)));
        }
        return Task.FromResult<IReadOnlyList<BlobInfo>>(blobs);
    }

    /// Searches only the deepest folder the prefix names, then filters by the whole prefix.
    private List<string> ListKeys(string prefix)
    {
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(folder)) return [];
        var keys = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(path => !PartialFile().IsMatch(path))
            .Select(path => Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(key => key.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// The temporary file of a write in progress: "{key}.{guid:N}.partial".
    [GeneratedRegex(@"\.[0-9a-f]{32}\.partial$")]
    private static partial Regex PartialFile();

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
        BlobKeys.Check(key);
        var path = Path.GetFullPath(Path.Combine(_root, key));
        // Defence in depth: keys come from ids, but never let one escape the root.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        return path;
    }
}
