using GanService.Domain;

namespace GanService.Api.Infrastructure;

/// Limits of the HTTP edge, bound from configuration section "Uploads" (the per-image limits of the
/// same section are read by the domain's ImageIngest).
public sealed class UploadSettings
{
    /// The whole multipart request; Kestrel and the form reader both stop past it with 413.
    public long MaxRequestMb { get; init; } = 256;
    /// New users' storage quota when POST /api/users does not give one.
    public long DefaultStorageQuotaMb { get; init; } = 1024;

    /// A JSON body (run configs, generate requests): far below an upload, so a client cannot make the API buffer and
    /// parse hundreds of MB of JSON. Past it: 413.
    public long MaxJsonKb { get; init; } = 1024;

    public long MaxRequestBytes => MaxRequestMb << 20;

    public static IEnumerable<string?> Problems(UploadSettings s) =>
    [
        // Up to 1 TB: the byte count (MaxRequestMb << 20) must not overflow.
        s.MaxRequestMb is >= 1 and <= 1 << 20 ? null : $"Uploads:MaxRequestMb is {s.MaxRequestMb}; it must be 1 to {1 << 20}.",
        ValidatedSettings.AtLeast("Uploads", nameof(DefaultStorageQuotaMb), s.DefaultStorageQuotaMb, 0),
        s.MaxJsonKb is >= 1 and <= 1 << 30 ? null : $"Uploads:MaxJsonKb is {s.MaxJsonKb}; it must be 1 to {1 << 30}.",
    ];
}

public static class JsonBodyLimit
{
    /// Caps JSON bodies at <see cref="UploadSettings.MaxJsonKb"/>: a larger Content-Length, or a body that runs past it, is a 413.
    public static WebApplication UseJsonBodyLimit(this WebApplication app)
    {
        var limit = app.Services.GetRequiredService<UploadSettings>().MaxJsonKb << 10;
        app.Use((context, next) =>
        {
            if (context.Request.HasJsonContentType())
            {
                if (context.Request.ContentLength > limit) throw TooLarge(limit);
                context.Request.Body = new CappedStream(context.Request.Body, limit);
            }
            return next(context);
        });
        return app;
    }

    private static BadHttpRequestException TooLarge(long limit) =>
        new($"A JSON body may be at most {limit >> 10} KB.", StatusCodes.Status413PayloadTooLarge);

    /// Reads through, and throws the 413 once more than the limit has been read (chunked bodies have no length to check first).
    private sealed class CappedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw TooLarge(limit) : read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
