using GanService.Domain.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Domain.Tests.Storage;

/// Configuration of server-mode storage; needs no server.
public sealed class S3StorageSettingsTests
{
    private static readonly Dictionary<string, string?> Complete = new()
    {
        ["Storage:Provider"] = "S3",
        ["Storage:S3:ServiceUrl"] = "http://127.0.0.1:9000",
        ["Storage:S3:Bucket"] = "ganservice",
        ["Storage:S3:AccessKey"] = "access",
        ["Storage:S3:SecretKey"] = "very-secret",
    };

    private static IConfiguration Configuration(Dictionary<string, string?> values, params (string Key, string? Value)[] changes)
    {
        var copy = new Dictionary<string, string?>(values);
        foreach (var (key, value) in changes) copy[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(copy).Build();
    }

    [Fact]
    public void Defaults_are_us_east_1_path_style_and_bucket_creation()
    {
        var settings = GanServiceSettings.FromConfiguration(Configuration(Complete)).S3!;
        Assert.Equal(("http://127.0.0.1:9000", "ganservice", "access", "very-secret"),
            (settings.ServiceUrl, settings.Bucket, settings.AccessKey, settings.SecretKey));
        Assert.Equal(("us-east-1", true, true), (settings.Region, settings.ForcePathStyle, settings.CreateBucketIfMissing));
        Assert.DoesNotContain("very-secret", settings.ToString());
    }

    [Fact]
    public void Optional_keys_are_read()
    {
        var settings = S3StorageSettings.FromConfiguration(Configuration(Complete,
            ("Storage:S3:Region", "eu-central-1"), ("Storage:S3:ForcePathStyle", "false"), ("Storage:S3:CreateBucketIfMissing", "False")));
        Assert.Equal(("eu-central-1", false, false), (settings.Region, settings.ForcePathStyle, settings.CreateBucketIfMissing));
    }

    [Theory]
    [InlineData("ServiceUrl")]
    [InlineData("Bucket")]
    [InlineData("AccessKey")]
    [InlineData("SecretKey")]
    public void A_missing_key_fails_at_startup_naming_it(string key)
    {
        var error = Assert.Throws<SettingsException>(() =>
            new ServiceCollection().AddGanServiceDomain(Configuration(Complete, ($"Storage:S3:{key}", " "),
                ("DataDirectory", Path.Combine(Path.GetTempPath(), "ganservice-settings-test")))));
        Assert.Contains($"Storage:S3:{key}", error.Message);
    }

    [Theory]
    [InlineData("Storage:S3:ServiceUrl", "127.0.0.1:9000")]
    [InlineData("Storage:S3:ServiceUrl", "ftp://127.0.0.1")]
    [InlineData("Storage:S3:Bucket", "Upper_Case")]
    [InlineData("Storage:S3:Bucket", "ab")]
    [InlineData("Storage:S3:ForcePathStyle", "yes")]
    public void A_malformed_value_fails_naming_its_key(string key, string value)
    {
        var error = Assert.Throws<SettingsException>(() => S3StorageSettings.FromConfiguration(Configuration(Complete, (key, value))));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void The_file_store_needs_no_s3_section()
    {
        var settings = GanServiceSettings.FromConfiguration(Configuration(new Dictionary<string, string?> { ["Storage:Provider"] = "FileSystem" }));
        Assert.Equal(StorageProvider.FileSystem, settings.Storage);
        Assert.Null(settings.S3);
    }

    [Fact]
    public void Server_mode_registers_the_s3_store()
    {
        var directory = Directory.CreateTempSubdirectory("ganservice-settings-").FullName;
        try
        {
            using var provider = new ServiceCollection().AddGanServiceDomain(Configuration(Complete, ("DataDirectory", directory))).BuildServiceProvider();
            var store = Assert.IsType<S3BlobStore>(provider.GetRequiredService<IBlobStore>());
            Assert.Equal("ganservice", store.Bucket);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_unavailable()
    {
        var settings = S3StorageSettings.FromConfiguration(Configuration(Complete, ("Storage:S3:ServiceUrl", "http://127.0.0.1:9")));
        using var store = new S3BlobStore(settings);
        await Assert.ThrowsAnyAsync<Exception>(() => store.CheckAvailableAsync());
    }
}
