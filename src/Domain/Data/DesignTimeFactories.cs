using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GanService.Domain.Data;

// Used only by `dotnet ef migrations add`; the connection strings are never opened.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGanDbContext>
{
    public SqliteGanDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGanDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresGanDbContext>
{
    public PostgresGanDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGanDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
