using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace GanService.Domain.Storage;

/// Blobs in one bucket of an S3-compatible server (server mode). A PUT is atomic on S3: a reader sees the
/// old object or the new one, never half of one, as with the file store's temporary file and rename.
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly S3StorageSettings _settings;
    private readonly SemaphoreSlim _bucketLock = new(1, 1);
    private volatile bool _bucketReady;
    private volatile bool _singleDeletes;

    public S3BlobStore(S3StorageSettings settings)
    {
        _settings = settings;
        _client = new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), CreateConfig(settings));
    }

    public string Bucket => _settings.Bucket;
    internal S3StorageSettings Settings => _settings;

    /// Keys a DeleteObjects request (S3 takes at most 1000); smaller in tests, to cover the batching.
    internal int DeleteBatchSize { get; init; } = 1000;
    /// Keys a listing page (S3 serves at most 1000); smaller in tests, to cover the continuation.
    internal int ListPageSize { get; init; } = 1000;
    /// True once the server refused DeleteObjects and DeletePrefixAsync went over to one request a key.
    internal bool UsesSingleDeletes => _singleDeletes;

    internal static AmazonS3Config CreateConfig(S3StorageSettings settings) => new()
    {
        ServiceURL = settings.ServiceUrl,
        AuthenticationRegion = settings.Region,
        ForcePathStyle = settings.ForcePathStyle,
        // Plain payloads. AWSSDK v4 by default sends every PutObject as "aws-chunked" with a trailing CRC32
        // checksum. s3rver 3.7.1 does not decode that encoding: it stores the chunk framing as part of the
        // object and answers 200, so the blob is silently corrupt. Older MinIO and Ceph RGW refuse it or
        // mishandle it too. WHEN_REQUIRED sends checksums only where an operation demands one (DeleteObjects)
        // and validates response checksums only when asked; together with UseChunkEncoding = false on each
        // PutObject the body goes out as it is, signed with its SHA-256 as classic SigV4.
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    };

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        BlobKeys.Check(key);
        await EnsureBucketAsync(cancellationToken);
        // A plain (not chunked) payload needs its length and its SHA-256 before the first byte goes out, so the
        // SDK reads the stream twice: anything but a seekable stream at its start is buffered first.
        // Checkpoints are tens of MB, which memory holds; the service writes no temporary files.
        MemoryStream? buffer = null;
        var body = content;
        if (!content.CanSeek || content.Position != 0)
        {
            buffer = new MemoryStream();
            await content.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            body = buffer;
        }
        try
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
                InputStream = body,
                ContentType = "application/octet-stream",
                UseChunkEncoding = false, // see CreateConfig
                AutoCloseStream = false,  // the caller owns its stream
            }, cancellationToken);
        }
        finally
        {
            if (buffer is not null) await buffer.DisposeAsync();
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Check(key);
        await EnsureBucketAsync(cancellationToken);
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _settings.Bucket, Key = key }, cancellationToken);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception exception) when (IsMissingKey(exception))
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Check(key);
        await EnsureBucketAsync(cancellationToken);
        // S3 answers 204 for a key that does not exist, as the file store ignores a missing file.
        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _settings.Bucket, Key = key }, cancellationToken);
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        BlobKeys.CheckPrefix(prefix, allowEmpty: false);
        // The whole listing first, then the deletes: deleting while paging would shift some servers' pages.
        var keys = await ListKeysAsync(prefix, cancellationToken);
        foreach (var batch in keys.Chunk(DeleteBatchSize))
        {
            if (!_singleDeletes)
            {
                try
                {
                    await DeleteBatchAsync(batch, cancellationToken);
                    continue;
                }
                catch (AmazonS3Exception exception) when (exception is not DeleteObjectsException && MultiDeleteUnsupported(exception))
                {
                    // Some S3-compatible servers have no DeleteObjects, or want a Content-MD5 that AWSSDK v4 no
                    // longer sends: one request a key still works everywhere.
                    _singleDeletes = true;
                }
            }
            foreach (var key in batch)
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _settings.Bucket, Key = key }, cancellationToken);
        }
    }

    private async Task DeleteBatchAsync(string[] keys, CancellationToken cancellationToken)
    {
        DeleteObjectsResponse response;
        try
        {
            response = await _client.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _settings.Bucket,
                Objects = keys.Select(key => new KeyVersion { Key = key }).ToList(),
                Quiet = true,
            }, cancellationToken);
        }
        catch (DeleteObjectsException exception)
        {
            response = exception.Response;
        }
        var errors = (response.DeleteErrors ?? []).Where(error => error.Code != "NoSuchKey").ToList();
        if (errors.Count > 0)
            throw new IOException($"S3 bucket '{_settings.Bucket}' refused to delete {errors.Count} of {keys.Length} blobs, e.g. " +
                                  $"'{errors[0].Key}': {errors[0].Code} {errors[0].Message}");
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        await ListKeysAsync(BlobKeys.CheckPrefix(prefix, allowEmpty: true), cancellationToken);

    public async Task<IReadOnlyList<BlobInfo>> ListInfoAsync(string prefix, CancellationToken cancellationToken = default) =>
        (await ListObjectsAsync(BlobKeys.CheckPrefix(prefix, allowEmpty: true), cancellationToken))
        .Select(item => new BlobInfo(item.Key, item.LastModified is { } written
            ? new DateTimeOffset(DateTime.SpecifyKind(written.ToUniversalTime(), DateTimeKind.Utc))
            : DateTimeOffset.UtcNow)) // a server that gives no time: treated as just written, so never taken for an orphan
        .ToList();

    private async Task<List<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken) =>
        (await ListObjectsAsync(prefix, cancellationToken)).Select(item => item.Key).ToList();

    private async Task<List<S3Object>> ListObjectsAsync(string prefix, CancellationToken cancellationToken)
    {
        await EnsureBucketAsync(cancellationToken);
        var objects = new List<S3Object>();
        string? continuation = null;
        do
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _settings.Bucket,
                Prefix = prefix.Length == 0 ? null : prefix,
                ContinuationToken = continuation,
                MaxKeys = ListPageSize,
            }, cancellationToken);
            // AWSSDK v4 leaves empty lists and absent values null.
            objects.AddRange(page.S3Objects ?? []);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
            if (page.IsTruncated == true && string.IsNullOrEmpty(continuation))
                throw new IOException($"S3 bucket '{_settings.Bucket}' returned a truncated listing without a continuation token.");
        }
        while (continuation is not null);
        objects.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return objects;
    }

    public async Task CheckAvailableAsync(CancellationToken cancellationToken = default)
    {
        await EnsureBucketAsync(cancellationToken);
        // One cheap request that needs the server, the credentials and the bucket.
        await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _settings.Bucket, MaxKeys = 1 }, cancellationToken);
    }

    /// Creates the bucket on first use when the settings ask for it; retried on the next call after a failure.
    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketReady || !_settings.CreateBucketIfMissing) return;
        await _bucketLock.WaitAsync(cancellationToken);
        try
        {
            if (_bucketReady) return;
            if (!await BucketExistsAsync(cancellationToken))
            {
                try
                {
                    await _client.PutBucketAsync(new PutBucketRequest { BucketName = _settings.Bucket }, cancellationToken);
                }
                catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.Conflict)
                {
                    // Created meanwhile by another instance (ours), or the name is someone else's (not usable).
                    if (!await BucketExistsAsync(cancellationToken)) throw;
                }
            }
            _bucketReady = true;
        }
        finally
        {
            _bucketLock.Release();
        }
    }

    private async Task<bool> BucketExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _settings.Bucket, MaxKeys = 1 }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }

    private static bool IsMissingKey(AmazonS3Exception exception) =>
        exception.ErrorCode == "NoSuchKey" || (exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != "NoSuchBucket");

    private static bool MultiDeleteUnsupported(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.NotImplemented || exception.ErrorCode is "NotImplemented" or "MissingContentMD5";

    public void Dispose()
    {
        _client.Dispose();
        _bucketLock.Dispose();
    }

    /// The object's body; disposing it releases the HTTP response.
    private sealed class ResponseStream : Stream
    {
        private readonly GetObjectResponse _response;
        private readonly Stream _inner;

        public ResponseStream(GetObjectResponse response)
        {
            _response = response;
            _inner = response.ResponseStream;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _response.Dispose();
            base.Dispose(disposing);
        }
    }
}
