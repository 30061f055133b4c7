using GanService.Domain.Storage;

namespace GanService.Domain.Tests.Storage;

/// The shared contract (BlobStoreContract) plus what only the file store has: its temporary files.
public sealed class FileSystemBlobStoreTests : BlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("blobs-").FullName;

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new FileSystemBlobStore(_root));

    protected override Task DisposeStoreAsync(IBlobStore store)
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Put_read_and_delete_round_trip_without_leftovers()
    {
        var content = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray();
        await Store.PutAsync("datasets/a/images/1.png", content);
        await Store.PutAsync("datasets/a/images/1.png", content); // overwrite is fine

        Assert.Equal(content, await Store.ReadAllBytesAsync("datasets/a/images/1.png"));
        Assert.Empty(Directory.GetFiles(_root, "*.partial", SearchOption.AllDirectories));

        await Store.DeletePrefixAsync("datasets/a/");
        Assert.False(Directory.Exists(Path.Combine(_root, "datasets", "a")));
    }

    [Fact]
    public async Task A_failed_write_leaves_no_partial_blob()
    {
        await Assert.ThrowsAsync<IOException>(() => Store.PutAsync("runs/x/ckpt/1", new FailingStream()));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_write_in_progress_is_not_listed()
    {
        await Store.PutAsync("runs/x/ckpt/1", [1]);
        File.WriteAllBytes(Path.Combine(_root, "runs", "x", "ckpt", $"2.{Guid.NewGuid():N}.partial"), [2]);
        Assert.Equal(["runs/x/ckpt/1"], await Store.ListAsync("runs/x/"));
    }

    private sealed class FailingStream : MemoryStream
    {
        private int _reads;

        public FailingStream() : base(new byte[1 << 20]) { }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_reads > 2 ? throw new IOException("disk unplugged") : base.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
