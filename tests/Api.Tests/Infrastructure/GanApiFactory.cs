using System.Net.Http.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GanService.Api.Tests.Infrastructure;

/// The real API in memory, on a fresh data directory and a fresh database of its own.
public abstract class GanApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "gan_test-admin-key-0123456789abcdefghijklmnopqrstuv";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("ganservice-test-").FullName;

    /// Auth:AdminKey; null lets the service generate one into admin.key.
    protected virtual string? ConfiguredAdminKey => AdminKey;

    /// Extra configuration, e.g. tighter upload limits.
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected abstract IReadOnlyDictionary<string, string?> DatabaseSettings { get; }

    /// The host's own log, shown when a test times out waiting for a run.
    public TestLog Log { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureLogging(logging => logging.AddProvider(Log));
        builder.UseSetting("DataDirectory", DataDirectory);
        if (ConfiguredAdminKey is not null) builder.UseSetting("Auth:AdminKey", ConfiguredAdminKey);
        foreach (var (key, value) in DatabaseSettings.Concat(Settings)) builder.UseSetting(key, value);
    }

    public HttpClient CreateClient(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        TestLog.Attach(client, Log);
        return client;
    }

    public HttpClient CreateAdminClient() => CreateClient(AdminKey);

    /// A new user with its own key, created through the API as an admin would.
    public async Task<(Guid Id, HttpClient Client, string ApiKey)> CreateUserAsync(string name = "user", long? storageQuotaMb = null, int? maxConcurrentRuns = null)
    {
        using var admin = CreateAdminClient();
        var response = await admin.PostAsJsonAsync("/api/users", new { name, storageQuotaMb, maxConcurrentRuns });
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<CreatedUser>())!;
        return (created.Id, CreateClient(created.ApiKey), created.ApiKey);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private sealed record CreatedUser(Guid Id, string Name, string ApiKey);
}

public sealed class SqliteApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Sqlite",
    };
}

/// Server mode: the PostgreSQL server and the S3-compatible server (s3rver) that scripts/test.sh starts;
/// each factory gets a database and a bucket of its own.
public class PostgresApiFactory : GanApiFactory
{
    private readonly string _database = $"ganservice_test_{Guid.NewGuid():N}";
    private readonly string? _postgresServer;
    private readonly TestS3Bucket _bucket;

    public PostgresApiFactory() : this(null, null) { }

    /// Private servers (connection string; GANSERVICE_TEST_S3's format) instead of the shared ones; null for shared.
    protected PostgresApiFactory(string? postgresServer, string? s3Server)
    {
        _postgresServer = postgresServer;
        _bucket = new TestS3Bucket(s3Server);
    }

    protected override IReadOnlyDictionary<string, string?> Settings => _bucket.Settings;

    /// The database and the bucket, as configuration (also what separate worker processes need).
    public IReadOnlyDictionary<string, string?> ServerSettings => DatabaseSettings.Concat(_bucket.Settings).ToDictionary();

    /// The PostgreSQL server: GANSERVICE_TEST_POSTGRES's, or a private one (the outage tests restart theirs).
    private string ServerConnectionString => _postgresServer ?? SharedConnectionString;

    private static string SharedConnectionString =>
        Environment.GetEnvironmentVariable("GANSERVICE_TEST_POSTGRES") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException(
                "GANSERVICE_TEST_POSTGRES is not set. Run ./scripts/test.sh, which starts a throwaway PostgreSQL, " +
                "or set it to a server connection string such as 'Host=127.0.0.1;Port=5432;Username=postgres'.");

    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = _database }.ConnectionString,
    };

    public override async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
        await create.ExecuteNonQueryAsync();
    }

    public override async Task DisposeAsync()
    {
        await _bucket.EmptyAsync(Services.GetRequiredService<IBlobStore>());
        await base.DisposeAsync();
        await _bucket.DeleteAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// Time slices of about a second, to see preemption between two users' runs.
public sealed class TimeSliceApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Scheduling:TimeSliceMinutes"] = "0.02",
    };
}

/// A maximum runtime of about two seconds of training, to see a long run stopped with its checkpoints kept.
public sealed class MaxRuntimeApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Scheduling:MaxRunMinutes"] = "0.035",
    };
}

/// Tight upload limits, to reach the 413 paths with small test bodies.
public sealed class SmallLimitsApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Uploads:MaxRequestMb"] = "1",
    };
}

/// No Auth:AdminKey: the first start generates the admin key into DataDirectory/admin.key.
public sealed class GeneratedAdminKeyFactory : GanApiFactory
{
    protected override string? ConfiguredAdminKey => null;

    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };
}

/// Embedded database, but blobs on an S3 server that does not answer: readiness must say so.
public sealed class UnreachableS3ApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "S3",
        ["Storage:S3:ServiceUrl"] = "http://127.0.0.1:9", // discard port: nothing listens
        ["Storage:S3:Bucket"] = "unreachable",
        ["Storage:S3:AccessKey"] = "S3RVER",
        ["Storage:S3:SecretKey"] = "S3RVER",
    };
}

/// A fresh bucket on the S3-compatible server named by GANSERVICE_TEST_S3 ("ServiceUrl=...;AccessKey=...;SecretKey=...").
public sealed class TestS3Bucket(string? server = null)
{
    private readonly Dictionary<string, string> _server = Server(server);

    public string Name { get; } = $"ganservice-test-{Guid.NewGuid():N}";

    /// Configuration for the service; the store creates the bucket on first use.
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "S3",
        ["Storage:S3:ServiceUrl"] = _server["ServiceUrl"],
        ["Storage:S3:AccessKey"] = _server["AccessKey"],
        ["Storage:S3:SecretKey"] = _server["SecretKey"],
        ["Storage:S3:Bucket"] = Name,
    };

    private static Dictionary<string, string> Server(string? server)
    {
        var value = server ?? Environment.GetEnvironmentVariable("GANSERVICE_TEST_S3");
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                "GANSERVICE_TEST_S3 is not set. Run ./scripts/test.sh, which starts a throwaway S3-compatible server (s3rver), " +
                "or set it to a server such as 'ServiceUrl=http://127.0.0.1:4568;AccessKey=S3RVER;SecretKey=S3RVER'.");
        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.OrdinalIgnoreCase);
        foreach (var key in new[] { "ServiceUrl", "AccessKey", "SecretKey" })
            if (!parts.TryGetValue(key, out var part) || part.Length == 0)
                throw new InvalidOperationException($"GANSERVICE_TEST_S3 has no {key}=...: '{value}'.");
        return parts;
    }

    public async Task EmptyAsync(IBlobStore store)
    {
        foreach (var key in await store.ListAsync("")) await store.DeleteAsync(key);
    }

    public async Task DeleteAsync()
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials(_server["AccessKey"], _server["SecretKey"]),
            new AmazonS3Config { ServiceURL = _server["ServiceUrl"], ForcePathStyle = true });
        try
        {
            await client.DeleteBucketAsync(new DeleteBucketRequest { BucketName = Name });
        }
        catch (AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket")
        {
            // Never used: the store creates its bucket on first use.
        }
    }
}
