using GanService.Domain;
using GanService.Domain.Auth;
using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Auth;

/// Makes sure somebody can log in: on first start with no users it creates an admin, whose key is
/// Auth:AdminKey when set (compose, servers) or a new one written to DataDirectory/admin.key.
public static class AdminBootstrap
{
    public static async Task EnsureAdminAsync(GanDbContext db, GanServiceSettings settings, IConfiguration configuration, ILogger logger, CancellationToken cancellationToken = default)
    {
        var configuredKey = configuration["Auth:AdminKey"];
        if (await db.Users.AnyAsync(cancellationToken))
        {
            await EnsureConfiguredKeyAsync(db, configuredKey, cancellationToken);
            return;
        }

        var key = string.IsNullOrWhiteSpace(configuredKey) ? ApiKeys.Generate() : configuredKey.Trim();
        var admin = new User { Name = "admin", IsAdmin = true, MaxConcurrentRuns = 4, StorageQuotaBytes = long.MaxValue };
        admin.ApiKeys.Add(ApiKeys.Record(key));
        db.Users.Add(admin);
        await db.SaveChangesAsync(cancellationToken);

        if (string.IsNullOrWhiteSpace(configuredKey))
        {
            var path = Path.Combine(settings.DataDirectory, "admin.key");
            await WritePrivateFileAsync(path, key + "\n", cancellationToken);
            // Logged once, on the start that created it; afterwards only the hash exists in the database.
            logger.LogWarning("Created the admin user. Its API key is {AdminKey} (also in {Path}, readable by this user only).", key, path);
        }
        else
        {
            logger.LogInformation("Created the admin user with the key from Auth:AdminKey.");
        }
    }

    /// A key set in configuration keeps working after the first start, also when it changes.
    private static async Task EnsureConfiguredKeyAsync(GanDbContext db, string? configuredKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(configuredKey)) return;
        var hash = ApiKeys.Hash(configuredKey.Trim());
        if (await db.ApiKeys.AnyAsync(key => key.KeyHash == hash, cancellationToken)) return;
        var admin = await db.Users.Where(user => user.IsAdmin).OrderBy(user => user.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (admin is null) return;
        db.ApiKeys.Add(ApiKeys.Record(configuredKey.Trim(), admin.Id));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task WritePrivateFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        // A new file, so that the 0600 mode applies even if an old key file was left behind.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }
}
