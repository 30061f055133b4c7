using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanService.Domain.Storage;

namespace GanService.Domain.Tests.Storage;

/// The shared contract on the S3-compatible server of scripts/test.sh, each test in a fresh bucket,
/// plus what only the S3 store has: bucket creation, paging and batched deletes.
public sealed class S3BlobStoreTests : BlobStoreContract
{
    private readonly List<S3BlobStore> _stores = [];

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(Track(new S3BlobStore(S3TestServer.NewBucket())));

    private S3BlobStore Track(S3BlobStore store)
    {
        _stores.Add(store);
        return store;
    }

    /// Empties and removes every bucket a test made.
    protected override async Task DisposeStoreAsync(IBlobStore _)
    {
        foreach (var store in _stores)
        {
            using var client = RawClient(store.Settings);
            try
            {
                foreach (var key in await store.ListAsync("")) await store.DeleteAsync(key);
                await client.DeleteBucketAsync(store.Bucket);
            }
            catch (AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket")
            {
            }
            store.Dispose();
        }
    }

    private static AmazonS3Client RawClient(S3StorageSettings settings, bool sdkDefaults = false)
    {
        var config = sdkDefaults
            ? new AmazonS3Config { ServiceURL = settings.ServiceUrl, AuthenticationRegion = settings.Region, ForcePathStyle = true }
            : S3BlobStore.CreateConfig(settings);
        return new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config);
    }

    [Fact]
    public async Task Listing_and_prefix_deletes_go_page_by_page_and_batch_by_batch()
    {
        var store = Track(new S3BlobStore(S3TestServer.NewBucket()) { ListPageSize = 2, DeleteBatchSize = 3 });
        var keys = Enumerable.Range(0, 7).Select(i => $"runs/r/ckpt/{i:D6}").ToList();
        foreach (var key in keys) await store.PutAsync(key, [(byte)key.Length]);
        await store.PutAsync("runs/s/ckpt/000000", [1]);

        Assert.Equal(keys, await store.ListAsync("runs/r/"));
        await store.DeletePrefixAsync("runs/r/");
        Assert.Empty(await store.ListAsync("runs/r/"));
        Assert.Equal(["runs/s/ckpt/000000"], await store.ListAsync("runs/"));
        Assert.False(store.UsesSingleDeletes, "The server refused DeleteObjects; the batched path went untested.");
    }

    [Fact]
    public async Task A_missing_bucket_is_created_on_first_use()
    {
        var store = Track(new S3BlobStore(S3TestServer.NewBucket()));
        await store.CheckAvailableAsync();
        using var client = RawClient(store.Settings);
        var buckets = await client.ListBucketsAsync();
        Assert.Contains(buckets.Buckets ?? [], bucket => bucket.BucketName == store.Bucket);
    }

    [Fact]
    public async Task Without_CreateBucketIfMissing_a_missing_bucket_is_unavailable()
    {
        var store = Track(new S3BlobStore(S3TestServer.NewBucket(createBucketIfMissing: false)));
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => store.CheckAvailableAsync());
        Assert.Equal("NoSuchBucket", error.ErrorCode);
        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => store.OpenReadAsync("a/b"));
    }

    /// Shows what the plain-payload settings protect against: the same bytes sent with AWSSDK v4's defaults
    /// (aws-chunked with a trailing checksum) do not come back as they were, while the store's PUT does.
    [Fact]
    public async Task The_sdk_default_upload_would_corrupt_what_the_plain_payload_keeps()
    {
        var store = (S3BlobStore)Store;
        var content = Bytes(256 * 1024, 9);
        await store.PutAsync("plain", content);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData((await store.ReadAllBytesAsync("plain"))!));

        using var defaults = RawClient(store.Settings, sdkDefaults: true);
        await defaults.PutObjectAsync(new PutObjectRequest { BucketName = store.Bucket, Key = "chunked", InputStream = new MemoryStream(content) });
        var stored = (await store.ReadAllBytesAsync("chunked"))!;
        Assert.True(!stored.AsSpan().SequenceEqual(content),
            "The server kept an aws-chunked upload intact; S3BlobStore's plain-payload settings are no longer needed for it " +
            "(they stay right for older MinIO and Ceph). If you point GANSERVICE_TEST_S3 at another server, expect this.");
    }
}
