namespace GanService.Domain.Data;

public sealed class User
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public bool IsAdmin { get; set; }
    public int MaxConcurrentRuns { get; set; } = 1;
    public long StorageQuotaBytes { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    public List<ApiKey> ApiKeys { get; set; } = [];

    /// <summary>
    /// Training seconds lately: every trainer second of the user's runs, decayed by half every
    /// Scheduling:FairShareHalfLifeHours, as of <see cref="RecentTrainingAt"/>. Free trainers go to the user with least.
    /// </summary>
    public double RecentTrainingSeconds { get; set; }
    public DateTime? RecentTrainingAt { get; set; }
}

/// Only the SHA-256 of a key is stored; the key itself is shown once, when it is created.
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid UserId { get; set; }
    public User? User { get; set; }
    public required string KeyHash { get; set; }
    /// The first characters of the key, so a person can tell their keys apart.
    public required string Prefix { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    public DateTime? RevokedAt { get; set; }
    /// What the person calls it ("laptop", "CI"); empty for a key an admin issued.
    public string Name { get; set; } = "";
    /// <summary>
    /// Comma-separated <see cref="GanService.Domain.Auth.KeyScopes"/> ("read,train"); null for a key an admin issued,
    /// which may do all that its user may.
    /// </summary>
    public string? Scopes { get; set; }
    /// When the key was last seen (refreshed at most once a minute, so reads do not each write).
    public DateTime? LastUsedAt { get; set; }
}

public sealed class Dataset
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid OwnerId { get; set; }
    public required string Name { get; set; }
    /// 1 when every image is grayscale, else 3.
    public int Channels { get; set; } = 1;
    public long StorageBytes { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    public List<DatasetImage> Images { get; set; } = [];
}

public sealed class DatasetImage
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid DatasetId { get; set; }
    public Dataset? Dataset { get; set; }
    /// Upload order, so previews and training see the images as uploaded.
    public int Ordinal { get; set; }
    /// The uploaded name, for display only: never used as a path.
    public required string FileName { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public bool IsGrayscale { get; set; }
    public long SizeBytes { get; set; }
    /// SHA-256 of the decoded pixels, to report exact duplicates.
    public required string PixelHash { get; set; }
    public required string BlobKey { get; set; }
    /// When the photo was taken: EXIF DateTimeOriginal, else the zip entry's timestamp (the camera's wall clock).
    public DateTime? TakenAt { get; set; }
    /// 64-bit perceptual hash of the cleaned image (16 hex digits), to find the same drawing photographed twice.
    public string? PerceptualHash { get; set; }
    public List<string> Tags { get; set; } = [];
    public string? Label { get; set; }
    public bool Excluded { get; set; }
}
