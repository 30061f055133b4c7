using GanService.Domain.Data;
using GanService.Domain.Imaging;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Domain;

/// Settings shared by the API and the worker. Embedded mode (SQLite, files) needs none of them.
public sealed class GanServiceSettings
{
    /// Holds the SQLite database, the blobs and admin.key in embedded mode.
    public required string DataDirectory { get; init; }
    public required DatabaseProvider Database { get; init; }
    public string? PostgresConnectionString { get; init; }
    public required StorageProvider Storage { get; init; }

    public static GanServiceSettings FromConfiguration(IConfiguration configuration)
    {
        var dataDirectory = Path.GetFullPath(configuration["DataDirectory"] is { Length: > 0 } configured ? configured : "data");
        var database = Parse<DatabaseProvider>(configuration, "Database:Provider", DatabaseProvider.Sqlite);
        var postgres = configuration.GetConnectionString("Postgres");
        if (database == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(postgres))
            throw new InvalidOperationException("Database:Provider is Postgres, but ConnectionStrings:Postgres is not set.");
        return new GanServiceSettings
        {
            DataDirectory = dataDirectory,
            Database = database,
            PostgresConnectionString = postgres,
            Storage = Parse<StorageProvider>(configuration, "Storage:Provider", StorageProvider.FileSystem),
        };
    }

    private static T Parse<T>(IConfiguration configuration, string key, T fallback) where T : struct, Enum
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        return Enum.TryParse<T>(value, ignoreCase: true, out var parsed)
            ? parsed
            : throw new InvalidOperationException($"{key} is '{value}'; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
    }
}

public enum DatabaseProvider { Sqlite, Postgres }

public enum StorageProvider { FileSystem, S3 }

public static class DomainServiceCollectionExtensions
{
    /// The database, the blob store and the upload limits, as configuration chooses them.
    public static IServiceCollection AddGanServiceDomain(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = GanServiceSettings.FromConfiguration(configuration);
        Directory.CreateDirectory(settings.DataDirectory);
        services.AddSingleton(settings);

        if (settings.Database == DatabaseProvider.Postgres)
            services.AddDbContext<GanDbContext, PostgresGanDbContext>(options => options.UseNpgsql(settings.PostgresConnectionString));
        else
            services.AddDbContext<GanDbContext, SqliteGanDbContext>(options =>
                options.UseSqlite($"Data Source={Path.Combine(settings.DataDirectory, "ganservice.db")}"));

        services.AddSingleton<IBlobStore>(settings.Storage switch
        {
            StorageProvider.FileSystem => new FileSystemBlobStore(Path.Combine(settings.DataDirectory, "blobs")),
            _ => throw new InvalidOperationException($"Storage:Provider '{settings.Storage}' is not available yet; use FileSystem."),
        });

        services.AddSingleton(configuration.GetSection("Uploads").Get<IngestLimits>() ?? new IngestLimits());
        services.AddSingleton<ImageIngest>();
        return services;
    }
}
