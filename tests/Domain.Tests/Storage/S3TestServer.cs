using GanService.Domain.Storage;

namespace GanService.Domain.Tests.Storage;

/// The S3-compatible server that scripts/test.sh starts (s3rver), named by GANSERVICE_TEST_S3 as
/// "ServiceUrl=...;AccessKey=...;SecretKey=...". Without it the S3 tests fail: they are never skipped.
public static class S3TestServer
{
    public const string Variable = "GANSERVICE_TEST_S3";

    /// Settings for a bucket of its own, named at random; the store creates it on first use.
    public static S3StorageSettings NewBucket(bool createBucketIfMissing = true)
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                $"{Variable} is not set. Run ./scripts/test.sh, which starts a throwaway S3-compatible server (s3rver), or set it " +
                "to a server such as 'ServiceUrl=http://127.0.0.1:4568;AccessKey=S3RVER;SecretKey=S3RVER'.");
        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.OrdinalIgnoreCase);
        string Part(string key) => parts.TryGetValue(key, out var part) && part.Length > 0
            ? part
            : throw new InvalidOperationException($"{Variable} has no {key}=...: '{value}'.");
        return new S3StorageSettings
        {
            ServiceUrl = Part("ServiceUrl"),
            AccessKey = Part("AccessKey"),
            SecretKey = Part("SecretKey"),
            Bucket = $"ganservice-test-{Guid.NewGuid():N}",
            CreateBucketIfMissing = createBucketIfMissing,
        };
    }
}
