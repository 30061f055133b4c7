namespace GanService.Domain.Storage;

/// <summary>
/// What a storage failure means, decided in one place for the API's error shape (507) and for training (pause on a
/// full disk) alike.
/// </summary>
public static class StorageFaults
{
    /// <summary>ENOSPC on Linux and macOS: .NET puts the raw errno in an IOException's HResult.</summary>
    private const int Enospc = 28;

    /// <summary>EDQUOT (Linux 122, macOS 69): a per-user disk quota is as full as a full disk.</summary>
    private const int EdquotLinux = 122;

    /// <summary>ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL as HRESULTs (Windows).</summary>
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int WindowsDiskFull = unchecked((int)0x80070070);

    /// <summary>SQLITE_FULL: "database or disk is full", when the SQLite file (or its journal) shares a full disk.</summary>
    private const int SqliteFull = 13;

    /// <summary>
    /// True when the exception, or one it wraps, says the disk is full: an IOException with errno 28 "No space left on
    /// device" (or a disk quota exceeded), SQLite's SQLITE_FULL, or PostgreSQL's disk_full (53100).
    /// </summary>
    public static bool IsDiskFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case IOException { HResult: Enospc or EdquotLinux or WindowsHandleDiskFull or WindowsDiskFull }:
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SqliteFull }:
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DiskFull }:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 1:
                    return aggregate.InnerExceptions.Any(IsDiskFull);
            }
        }
        return false;
    }
}
