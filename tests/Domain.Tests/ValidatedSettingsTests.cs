using GanService.Domain.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GanService.Domain.Tests;

/// Settings bound with IOptions and checked at start-up, as the API and the worker register them.
public sealed class ValidatedSettingsTests
{
    [Fact]
    public void Good_values_bind_and_the_record_itself_is_registered()
    {
        using var services = Provider(("Scheduling:LeaseSeconds", "12"), ("Scheduling:TimeSliceMinutes", "5"));
        ValidatedSettings.ValidateNow(services);
        var scheduling = services.GetRequiredService<SchedulingSettings>();
        Assert.Equal(12, scheduling.LeaseSeconds);
        Assert.Equal(5, scheduling.TimeSliceMinutes);
        Assert.Equal(new SchedulingSettings().MaxRunMinutes, scheduling.MaxRunMinutes); // unset keeps its default
        Assert.Same(services.GetRequiredService<IOptions<SchedulingSettings>>().Value, scheduling);
    }

    [Theory]
    [InlineData("Scheduling:LeaseSeconds", "0")]
    [InlineData("Scheduling:LeaseSeconds", "-1")]
    [InlineData("Scheduling:ProgressSeconds", "Infinity")]
    [InlineData("Scheduling:TimeSliceMinutes", "0")]
    [InlineData("Worker:WorkerCount", "-3")]
    [InlineData("TrainingDataCache:MaxMegabytes", "-1")]
    public void An_out_of_range_value_fails_at_start_naming_its_key(string key, string value)
    {
        using var services = Provider((key, value));
        var failure = Assert.Throws<OptionsValidationException>(() => ValidatedSettings.ValidateNow(services));
        var line = SettingsException.Describe(failure);
        Assert.NotNull(line);
        Assert.Contains($"{key} is ", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void A_value_that_is_not_a_number_fails_naming_its_key()
    {
        using var services = Provider(("Scheduling:LeaseSeconds", "abc"));
        var failure = Assert.Throws<SettingsException>(() => ValidatedSettings.ValidateNow(services));
        Assert.Contains("'Scheduling:LeaseSeconds'", failure.Message);
        Assert.Contains("abc", failure.Message);
    }

    [Fact]
    public void Read_checks_at_once()
    {
        var configuration = Configuration(("Worker:InProcess", "maybe"));
        var failure = Assert.Throws<SettingsException>(() => ValidatedSettings.Read<WorkerSettings>(configuration, "Worker", JobsSettingsRules.Worker));
        Assert.Contains("Worker:InProcess", failure.Message);
        Assert.False(ValidatedSettings.Read<WorkerSettings>(Configuration(("Worker:InProcess", "false")), "Worker", JobsSettingsRules.Worker).InProcess);
    }

    [Fact]
    public void Other_failures_are_not_described_as_settings()
    {
        Assert.Null(SettingsException.Describe(new InvalidOperationException("something else")));
        Assert.Equal("Configuration error: A:B is wrong.", SettingsException.Describe(new Exception("outer", new SettingsException("A:B is wrong."))));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static ServiceProvider Provider(params (string Key, string Value)[] values)
    {
        var configuration = Configuration(values);
        var services = new ServiceCollection();
        services.AddValidatedSettings<SchedulingSettings>(configuration, "Scheduling", JobsSettingsRules.Scheduling);
        services.AddValidatedSettings<WorkerSettings>(configuration, "Worker", JobsSettingsRules.Worker);
        services.AddValidatedSettings<GanService.Domain.Gan.Data.TrainingDataCacheSettings>(configuration, "TrainingDataCache", JobsSettingsRules.TrainingDataCache);
        return services.BuildServiceProvider();
    }
}
