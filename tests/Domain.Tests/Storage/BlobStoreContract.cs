using System.Security.Cryptography;
using GanService.Domain.Storage;

namespace GanService.Domain.Tests.Storage;

/// What every IBlobStore must do, run on each store (FileSystemBlobStoreTests, S3BlobStoreTests), so that
/// embedded and server mode behave alike.
public abstract class BlobStoreContract : IAsyncLifetime
{
    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// A fresh, empty store of its own for each test.
    protected abstract Task<IBlobStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync(IBlobStore store) => Task.CompletedTask;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null) await DisposeStoreAsync(_store);
    }

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Put_then_read_returns_the_same_bytes()
    {
        var content = Bytes(300_000, 1);
        await Store.PutAsync("datasets/a/images/1.png", content);
        Assert.Equal(content, await Store.ReadAllBytesAsync("datasets/a/images/1.png"));
    }

    [Fact]
    public async Task An_empty_blob_round_trips()
    {
        await Store.PutAsync("runs/r/empty", []);
        Assert.Equal(Array.Empty<byte>(), await Store.ReadAllBytesAsync("runs/r/empty"));
    }

    [Fact]
    public async Task Put_overwrites_an_existing_blob()
    {
        await Store.PutAsync("datasets/a/images/1.png", Bytes(5000, 1));
        var second = Bytes(1234, 2);
        await Store.PutAsync("datasets/a/images/1.png", second);
        Assert.Equal(second, await Store.ReadAllBytesAsync("datasets/a/images/1.png"));
        Assert.Equal(["datasets/a/images/1.png"], await Store.ListAsync("datasets/"));
    }

    [Fact]
    public async Task A_missing_key_reads_as_null()
    {
        Assert.Null(await Store.OpenReadAsync("datasets/none/images/1.png"));
        await Store.PutAsync("datasets/a/images/1.png", [1, 2, 3]);
        Assert.Null(await Store.OpenReadAsync("datasets/a/images/2.png"));
        Assert.Null(await Store.ReadAllBytesAsync("datasets/a/images/1.pn"));
    }

    [Fact]
    public async Task Delete_removes_one_blob_and_ignores_a_missing_one()
    {
        await Store.PutAsync("datasets/a/images/1.png", [1]);
        await Store.PutAsync("datasets/a/images/2.png", [2]);
        await Store.DeleteAsync("datasets/a/images/1.png");
        await Store.DeleteAsync("datasets/a/images/1.png");
        await Store.DeleteAsync("nothing/here.png");
        Assert.Null(await Store.ReadAllBytesAsync("datasets/a/images/1.png"));
        Assert.Equal([2], await Store.ReadAllBytesAsync("datasets/a/images/2.png"));
    }

    [Fact]
    public async Task Delete_prefix_removes_everything_under_it_and_nothing_else()
    {
        string[] doomed = ["datasets/a/images/1.png", "datasets/a/images/2.png", "datasets/a/meta/x", "datasets/a/top"];
        string[] kept = ["datasets/ab/images/1.png", "datasets/a-b", "datasets/b/images/1.png", "runs/a/ckpt/1"];
        foreach (var key in doomed.Concat(kept)) await Store.PutAsync(key, [7]);

        await Store.DeletePrefixAsync("datasets/a/");

        foreach (var key in doomed) Assert.Null(await Store.ReadAllBytesAsync(key));
        foreach (var key in kept) Assert.Equal([7], await Store.ReadAllBytesAsync(key));
        Assert.Empty(await Store.ListAsync("datasets/a/"));
        await Store.DeletePrefixAsync("datasets/never-existed/");
    }

    [Fact]
    public async Task Delete_prefix_without_a_slash_matches_on_the_key_text()
    {
        foreach (var key in new[] { "runs/r/ckpt-1", "runs/r/ckpt-2", "runs/r/ckpt/3", "runs/r/samples/1" }) await Store.PutAsync(key, [1]);
        await Store.DeletePrefixAsync("runs/r/ckpt");
        Assert.Equal(["runs/r/samples/1"], await Store.ListAsync("runs/"));
    }

    [Fact]
    public async Task List_returns_the_keys_under_a_prefix_sorted_ordinal()
    {
        string[] keys = ["runs/r/ckpt/000010", "runs/r/ckpt/000002", "runs/r/ckpt/B", "runs/r/ckpt/a", "runs/r/samples/1.png", "runs/s/ckpt/1"];
        foreach (var key in keys) await Store.PutAsync(key, [1]);

        Assert.Equal(["runs/r/ckpt/000002", "runs/r/ckpt/000010", "runs/r/ckpt/B", "runs/r/ckpt/a"], await Store.ListAsync("runs/r/ckpt/"));
        Assert.Equal(["runs/r/ckpt/000002", "runs/r/ckpt/000010"], await Store.ListAsync("runs/r/ckpt/0"));
        Assert.Equal<string>(keys.Order(StringComparer.Ordinal), await Store.ListAsync(""));
        Assert.Empty(await Store.ListAsync("runs/none/"));
        Assert.Empty(await Store.ListAsync("zzz"));
    }

    [Fact]
    public async Task A_non_seekable_stream_is_stored_whole()
    {
        var content = Bytes(3 * 1024 * 1024 + 17, 3);
        await using var stream = new NonSeekableStream(content);
        await Store.PutAsync("runs/r/ckpt/1", stream);
        Assert.Equal(content, await Store.ReadAllBytesAsync("runs/r/ckpt/1"));
    }

    [Fact]
    public async Task A_stream_is_stored_from_its_current_position()
    {
        var content = Bytes(10_000, 4);
        using var stream = new MemoryStream(content) { Position = 1000 };
        await Store.PutAsync("runs/r/partial", stream);
        Assert.Equal(content[1000..], await Store.ReadAllBytesAsync("runs/r/partial"));
    }

    /// Guards against silent corruption on the way to the server and back: AWSSDK v4's default aws-chunked
    /// upload is stored by s3rver with the chunk framing inside and answered with 200 (see S3BlobStore).
    [Fact]
    public async Task A_multi_megabyte_blob_keeps_its_sha256()
    {
        var content = Bytes(8 * 1024 * 1024, 5);
        var expected = Convert.ToHexString(SHA256.HashData(content));
        await Store.PutAsync("runs/r/ckpt/big", content);

        await using var stream = await Store.OpenReadAsync("runs/r/ckpt/big");
        Assert.NotNull(stream);
        Assert.Equal(expected, Convert.ToHexString(await SHA256.HashDataAsync(stream)));
    }

    [Theory]
    [InlineData("../outside.png")]
    [InlineData("a/../../outside.png")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task Invalid_keys_are_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, [1, 2, 3]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeletePrefixAsync(key));
    }

    [Fact]
    public async Task ListInfo_gives_the_listed_keys_with_when_they_were_written()
    {
        var before = DateTimeOffset.UtcNow;
        await Store.PutAsync("datasets/a/images/2.png", Bytes(100, 1));
        await Store.PutAsync("datasets/a/images/1.png", Bytes(100, 2));
        await Store.PutAsync("runs/r/ckpt/1", Bytes(100, 3));
        var after = DateTimeOffset.UtcNow;

        var blobs = await Store.ListInfoAsync("datasets/");
        Assert.Equal(await Store.ListAsync("datasets/"), blobs.Select(blob => blob.Key));
        // S3 gives whole seconds, by the server's clock (here the same machine's).
        Assert.All(blobs, blob => Assert.InRange(blob.LastModified, before.AddSeconds(-2), after.AddSeconds(2)));
        Assert.Empty(await Store.ListInfoAsync("nothing/"));
    }

    [Fact]
    public async Task The_store_reports_itself_available() => await Store.CheckAvailableAsync();

    /// A network or pipe body: no Length, no Seek.
    protected sealed class NonSeekableStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
