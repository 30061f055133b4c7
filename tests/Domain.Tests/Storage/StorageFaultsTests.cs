using GanService.Domain.Storage;
using Microsoft.Data.Sqlite;

namespace GanService.Domain.Tests.Storage;

/// The disk-full classifier on failures the operating system and SQLite really raise, not on exceptions made up here.
public sealed class StorageFaultsTests
{
    [Fact]
    public void A_write_that_gets_ENOSPC_is_disk_full()
    {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        if (!File.Exists("/dev/full")) Assert.Fail("/dev/full is missing; this test needs Linux.");
        var failure = Assert.ThrowsAny<IOException>(() =>
        {
            using var file = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            file.Write(new byte[4096]);
        });
        Assert.Equal(28, failure.HResult);
        Assert.True(StorageFaults.IsDiskFull(failure), failure.ToString());
        Assert.True(StorageFaults.IsDiskFull(new InvalidOperationException("wrapped", failure)));
    }

    [Fact]
    public void Sqlite_out_of_room_is_disk_full()
    {
        // max_page_count caps the file as a full disk would: SQLite answers SQLITE_FULL, "database or disk is full".
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, "CREATE TABLE t (x BLOB); PRAGMA max_page_count = 4;");
        var failure = Assert.Throws<SqliteException>(() => Execute(connection, "INSERT INTO t VALUES (zeroblob(100000));"));
        Assert.Equal(13, failure.SqliteErrorCode);
        Assert.True(StorageFaults.IsDiskFull(failure), failure.ToString());
    }

    [Fact]
    public void Other_io_failures_are_not_disk_full()
    {
        var missing = Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
        Assert.False(StorageFaults.IsDiskFull(missing));
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        var syntax = Assert.Throws<SqliteException>(() => Execute(connection, "NOT SQL"));
        Assert.False(StorageFaults.IsDiskFull(syntax));
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
