using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("DataDirectory", DataDirectory);
        if (ConfiguredAdminKey is not null) builder.UseSetting("Auth:AdminKey", ConfiguredAdminKey);
        foreach (var (key, value) in DatabaseSettings.Concat(Settings)) builder.UseSetting(key, value);
    }

    public HttpClient CreateClient(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
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

/// Needs the PostgreSQL server that scripts/test.sh starts; each factory gets a database of its own.
public sealed class PostgresApiFactory : GanApiFactory
{
    private readonly string _database = $"ganservice_test_{Guid.NewGuid():N}";

    private static string ServerConnectionString =>
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
        await base.DisposeAsync();
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
