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
    /// Set when Storage is S3.
    public S3StorageSettings? S3 { get; init; }

    public static GanServiceSettings FromConfiguration(IConfiguration configuration)
    {
        var dataDirectory = Path.GetFullPath(configuration["DataDirectory"] is { Length: > 0 } configured ? configured : "data");
        var database = Parse<DatabaseProvider>(configuration, "Database:Provider", DatabaseProvider.Sqlite);
        var postgres = configuration.GetConnectionString("Postgres");
        if (database == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(postgres))
            throw new SettingsException("Database:Provider is Postgres, but ConnectionStrings:Postgres is not set.");
        var storage = Parse<StorageProvider>(configuration, "Storage:Provider", StorageProvider.FileSystem);
        return new GanServiceSettings
        {
            DataDirectory = dataDirectory,
            Database = database,
            PostgresConnectionString = postgres,
            Storage = storage,
            S3 = storage == StorageProvider.S3 ? S3StorageSettings.FromConfiguration(configuration) : null,
        };
    }

    private static T Parse<T>(IConfiguration configuration, string key, T fallback) where T : struct, Enum
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        return Enum.TryParse<T>(value, ignoreCase: true, out var parsed)
            ? parsed
            : throw new SettingsException($"{key} is '{value}'; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
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

        if (settings.Storage == StorageProvider.S3)
            services.AddSingleton<IBlobStore>(_ => new S3BlobStore(settings.S3!)); // the container disposes it
        else
            services.AddSingleton<IBlobStore>(new FileSystemBlobStore(Path.Combine(settings.DataDirectory, "blobs")));

        services.AddValidatedSettings<IngestLimits>(configuration, "Uploads", IngestLimits.Problems);
        services.AddSingleton<ImageIngest>();
        return services;
    }
}
