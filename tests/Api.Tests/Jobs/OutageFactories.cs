using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Jobs;

/// <summary>Server mode on a private s3rver, which the test may stop and start again.</summary>
public sealed class PrivateS3ServerModeFactory : ServerModeApiFactory
{
    public PrivateS3ServerModeFactory() : this(new PrivateS3rver()) { }

    private PrivateS3ServerModeFactory(PrivateS3rver s3) : base(null, s3.Server) => S3 = s3;

    public PrivateS3rver S3 { get; }

    /// <summary>
    /// Retries for 10 s rather than 25: under a loaded machine the S3 client's own retries stretch each try, and the
    /// pause must come well inside the 45 s outage for the test to see the run waiting.
    /// </summary>
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string> { ["Faults:RetrySeconds"] = "10" };

    public override async Task DisposeAsync()
    {
        S3.Stop();
        S3.Start(); // running again for the bucket's clean-up, whatever the test left it in
        await base.DisposeAsync();
        S3.Dispose();
    }
}

/// <summary>Server mode on a private PostgreSQL cluster, which the test may restart.</summary>
public sealed class PrivatePostgresServerModeFactory : ServerModeApiFactory
{
    public PrivatePostgresServerModeFactory() : this(new PrivatePostgres()) { }

    private PrivatePostgresServerModeFactory(PrivatePostgres postgres) : base(postgres.ConnectionString, null) => Postgres = postgres;

    public PrivatePostgres Postgres { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Postgres.Dispose();
    }
}
