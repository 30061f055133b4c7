namespace GanService.Domain.Imaging;

/// Bounds on what an upload may make the service read, decode and keep. Bound from configuration
/// section "Uploads".
public sealed record IngestLimits
{
    /// Longest side of an image, in pixels.
    public int MaxSide { get; init; } = 8192;
    /// Width × height of an image.
    public long MaxPixels { get; init; } = 40_000_000;
    /// One image file, whether uploaded or inside a zip.
    public long MaxImageBytes { get; init; } = 50L << 20;
    /// Entries in one zip, folders included.
    public int MaxZipEntries { get; init; } = 5000;
    /// Bytes decompressed from one zip, counted as they are read (declared sizes can lie).
    public long MaxZipTotalBytes { get; init; } = 1L << 30;
    /// Uncompressed / compressed size of one entry. Images are already compressed, so a real one
    /// is close to 1; zip bombs are in the thousands.
    public double MaxCompressionRatio { get; init; } = 100;

    public static IEnumerable<string?> Problems(IngestLimits limits) =>
    [
        ValidatedSettings.AtLeast("Uploads", nameof(MaxSide), limits.MaxSide, 1),
        ValidatedSettings.AtLeast("Uploads", nameof(MaxPixels), limits.MaxPixels, 1),
        ValidatedSettings.AtLeast("Uploads", nameof(MaxImageBytes), limits.MaxImageBytes, 1),
        ValidatedSettings.AtLeast("Uploads", nameof(MaxZipEntries), limits.MaxZipEntries, 1),
        ValidatedSettings.AtLeast("Uploads", nameof(MaxZipTotalBytes), limits.MaxZipTotalBytes, 1),
        ValidatedSettings.AtLeast("Uploads", nameof(MaxCompressionRatio), limits.MaxCompressionRatio, 1),
    ];
}
