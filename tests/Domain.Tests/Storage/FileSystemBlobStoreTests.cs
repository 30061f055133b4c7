using GanService.Domain.Storage;

namespace GanService.Domain.Tests.Storage;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("blobs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Put_read_and_delete_round_trip_without_leftovers()
    {
        var store = new FileSystemBlobStore(_root);
        var content = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray();
        await store.PutAsync("datasets/a/images/1.png", content);
        await store.PutAsync("datasets/a/images/1.png", content); // overwrite is fine

        Assert.Equal(content, await store.ReadAllBytesAsync("datasets/a/images/1.png"));
        Assert.Null(await store.ReadAllBytesAsync("datasets/a/images/2.png"));
        Assert.Empty(Directory.GetFiles(_root, "*.partial", SearchOption.AllDirectories));

        await store.DeletePrefixAsync("datasets/a/");
        Assert.Null(await store.ReadAllBytesAsync("datasets/a/images/1.png"));
        await store.DeletePrefixAsync("datasets/never-existed/");
        await store.DeleteAsync("nothing/here.png");
    }

    [Theory]
    [InlineData("../outside.png")]
    [InlineData("a/../../outside.png")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task Keys_cannot_leave_the_root(string key)
    {
        var store = new FileSystemBlobStore(_root);
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, [1, 2, 3]));
    }

    [Fact]
    public async Task A_failed_write_leaves_no_partial_blob()
    {
        var store = new FileSystemBlobStore(_root);
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("runs/x/ckpt/1", new FailingStream()));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
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
