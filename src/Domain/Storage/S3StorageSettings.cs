using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace GanService.Domain.Storage;

/// The `Storage:S3` section, used when `Storage:Provider` is S3 (server mode): any S3-compatible server
/// (AWS S3, MinIO, Ceph RGW, s3rver in the tests).
public sealed partial record S3StorageSettings
{
    public const string Section = "Storage:S3";

    /// e.g. http://minio:9000 or https://s3.eu-west-1.amazonaws.com.
    public required string ServiceUrl { get; init; }
    public required string Bucket { get; init; }
    public required string AccessKey { get; init; }
    public required string SecretKey { get; init; }
    /// The signing region; S3-compatible servers mostly ignore it.
    public string Region { get; init; } = "us-east-1";
    /// http://host/bucket/key rather than http://bucket.host/key; MinIO, Ceph and s3rver want path style.
    public bool ForcePathStyle { get; init; } = true;
    /// Creates the bucket on first use when it does not exist.
    public bool CreateBucketIfMissing { get; init; } = true;

    /// Reads and checks the section; a missing or malformed value fails with the key it needs.
    public static S3StorageSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var serviceUrl = Required(section, nameof(ServiceUrl));
        if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new SettingsException($"{Section}:{nameof(ServiceUrl)} is '{serviceUrl}'; expected an http:// or https:// URL.");
        var bucket = Required(section, nameof(Bucket));
        if (!BucketName().IsMatch(bucket))
            throw new SettingsException(
                $"{Section}:{nameof(Bucket)} is '{bucket}'; a bucket name has 3 to 63 lower-case letters, digits, dots and hyphens.");
        return new S3StorageSettings
        {
            ServiceUrl = serviceUrl,
            Bucket = bucket,
            AccessKey = Required(section, nameof(AccessKey)),
            SecretKey = Required(section, nameof(SecretKey)),
            Region = section[nameof(Region)] is { Length: > 0 } region ? region : "us-east-1",
            ForcePathStyle = Flag(section, nameof(ForcePathStyle), true),
            CreateBucketIfMissing = Flag(section, nameof(CreateBucketIfMissing), true),
        };
    }

    /// Keeps the secret out of logs and exception messages.
    public override string ToString() =>
        $"S3 {ServiceUrl} bucket {Bucket} (region {Region}, path style {ForcePathStyle}, access key {AccessKey})";

    private static string Required(IConfigurationSection section, string key) =>
        section[key] is { } value && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new SettingsException($"Storage:Provider is S3, but {Section}:{key} is not set.");

    private static bool Flag(IConfigurationSection section, string key, bool fallback)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        return bool.TryParse(value, out var parsed)
            ? parsed
            : throw new SettingsException($"{Section}:{key} is '{value}'; expected true or false.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
