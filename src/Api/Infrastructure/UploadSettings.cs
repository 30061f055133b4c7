namespace GanService.Api.Infrastructure;

/// Limits of the HTTP edge, bound from configuration section "Uploads" (the per-image limits of the
/// same section are read by the domain's ImageIngest).
public sealed class UploadSettings
{
    /// The whole multipart request; Kestrel and the form reader both stop past it with 413.
    public long MaxRequestMb { get; init; } = 256;
    /// New users' storage quota when POST /api/users does not give one.
    public long DefaultStorageQuotaMb { get; init; } = 1024;

    public long MaxRequestBytes => MaxRequestMb << 20;
}
