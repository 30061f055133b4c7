using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace GanService.Domain.Data;

/// One model for both providers; each provider has its own migrations (see SqliteGanDbContext and
/// PostgresGanDbContext), because SQL types and migration operations differ between them.
public abstract class GanDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<DatasetImage> DatasetImages => Set<DatasetImage>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<RunCheckpoint> RunCheckpoints => Set<RunCheckpoint>();
    public DbSet<RunSample> RunSamples => Set<RunSample>();
    public DbSet<RunMetric> RunMetrics => Set<RunMetric>();
    public DbSet<Sweep> Sweeps => Set<Sweep>();

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // All times are UTC. SQLite hands DateTime back without a kind, so restore it on read, and
        // Npgsql maps UTC DateTime to timestamptz.
        conventions.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<User>(user =>
        {
            user.Property(u => u.Name).HasMaxLength(200);
            user.HasMany(u => u.ApiKeys).WithOne(k => k.User).HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<ApiKey>(key =>
        {
            key.Property(k => k.KeyHash).HasMaxLength(64);
            key.Property(k => k.Prefix).HasMaxLength(16);
            key.Property(k => k.Name).HasMaxLength(100);
            key.Property(k => k.Scopes).HasMaxLength(64);
            key.HasIndex(k => k.KeyHash).IsUnique();
        });

        model.Entity<Dataset>(dataset =>
        {
            dataset.Property(d => d.Name).HasMaxLength(200);
            dataset.HasIndex(d => d.OwnerId);
            dataset.HasOne<User>().WithMany().HasForeignKey(d => d.OwnerId).OnDelete(DeleteBehavior.Cascade);
            dataset.HasMany(d => d.Images).WithOne(i => i.Dataset).HasForeignKey(i => i.DatasetId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<Run>(run =>
        {
            run.Property(r => r.Name).HasMaxLength(200);
            run.Property(r => r.Preset).HasMaxLength(50);
            run.Property(r => r.Status).HasMaxLength(20).HasConversion(status => status.ToWire(), wire => RunStatuses.Parse(wire));
            run.Property(r => r.LeaseOwner).HasMaxLength(200);
            run.Property(r => r.JobId).HasMaxLength(100);
            run.Property(r => r.CheckpointKey).HasMaxLength(300);
            run.Property(r => r.Error).HasMaxLength(4000);
            run.Property(r => r.WaitingReason).HasMaxLength(500);
            run.HasIndex(r => new { r.OwnerId, r.Status });
            run.HasIndex(r => new { r.Status, r.QueuedAt });
            run.HasOne<User>().WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Cascade);
            // A dataset with runs cannot be deleted from under them (the API says so with a 409).
            run.HasOne<Dataset>().WithMany().HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Restrict);
            // Deleting a sweep deletes its runs first (the API does); a sweep row gone leaves any run standalone.
            run.HasIndex(r => r.SweepId);
            run.HasOne<Sweep>().WithMany().HasForeignKey(r => r.SweepId).OnDelete(DeleteBehavior.SetNull);
        });

        model.Entity<Sweep>(sweep =>
        {
            sweep.Property(s => s.Name).HasMaxLength(200);
            sweep.Property(s => s.Preset).HasMaxLength(50);
            sweep.HasIndex(s => s.OwnerId);
            sweep.HasOne<User>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Cascade);
            // A dataset with runs cannot be deleted (409); once its runs are gone, its sweeps go with it.
            sweep.HasOne<Dataset>().WithMany().HasForeignKey(s => s.DatasetId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<RunCheckpoint>(checkpoint =>
        {
            checkpoint.HasKey(c => new { c.RunId, c.Iteration });
            checkpoint.Property(c => c.BlobKey).HasMaxLength(300);
            checkpoint.Property(c => c.Sha256).HasMaxLength(64);
            checkpoint.HasOne<Run>().WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<RunSample>(sample =>
        {
            sample.HasKey(s => new { s.RunId, s.Iteration });
            sample.Property(s => s.BlobKey).HasMaxLength(300);
            sample.HasOne<Run>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<RunMetric>(metric =>
        {
            metric.HasIndex(m => new { m.RunId, m.Iteration });
            metric.HasOne<Run>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<DatasetImage>(image =>
        {
            image.Property(i => i.FileName).HasMaxLength(500);
            image.Property(i => i.PixelHash).HasMaxLength(64);
            image.Property(i => i.PerceptualHash).HasMaxLength(16);
            image.Property(i => i.BlobKey).HasMaxLength(300);
            image.Property(i => i.Label).HasMaxLength(200);
            image.HasIndex(i => new { i.DatasetId, i.Ordinal });
            // Tags as a JSON array in one text column: the same on SQLite and Postgres, and tags are
            // only ever read and written with their image.
            image.Property(i => i.Tags)
                .HasConversion(
                    tags => JsonSerializer.Serialize(tags, JsonSerializerOptions.Default),
                    json => JsonSerializer.Deserialize<List<string>>(json, JsonSerializerOptions.Default) ?? new List<string>(),
                    new ValueComparer<List<string>>(
                        (a, b) => a!.SequenceEqual(b!),
                        tags => tags.Aggregate(0, (hash, tag) => HashCode.Combine(hash, tag.GetHashCode())),
                        tags => tags.ToList()))
                .HasMaxLength(4000);
        });
    }
}

public sealed class SqliteGanDbContext(DbContextOptions<SqliteGanDbContext> options) : GanDbContext(options);

public sealed class PostgresGanDbContext(DbContextOptions<PostgresGanDbContext> options) : GanDbContext(options);
