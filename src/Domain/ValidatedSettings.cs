using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GanService.Domain;

/// <summary>
/// A configuration value the service cannot run with. Its message is one line that names the key
/// ("Scheduling:LeaseSeconds is -1; it must be above 0."), which is all a process prints when it stops on it.
/// </summary>
public sealed class SettingsException(string message, Exception? inner = null) : InvalidOperationException(message, inner)
{
    /// <summary>The line to print when the exception (or one it wraps) is a bad setting; null for any other failure.</summary>
    public static string? Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e switch
            {
                SettingsException settings => settings.Message,
                OptionsValidationException validation => string.Join(" ", validation.Failures),
                _ => null,
            };
            if (message is not null) return "Configuration error: " + message.ReplaceLineEndings(" ");
        }
        return null;
    }

    /// <summary>
    /// A process stopped by a bad setting prints that one line and exits with 78 (EX_CONFIG) instead of an unhandled
    /// exception's stack trace. Under WebApplicationFactory the entry point's exceptions never go unhandled, so the tests
    /// still see the exception itself.
    /// </summary>
    public static void ExitOnBadSettings() =>
        AppDomain.CurrentDomain.UnhandledException += (_, args) =>
        {
            if (args.ExceptionObject is not Exception exception || Describe(exception) is not { } line) return;
            Console.Error.WriteLine(line);
            Console.Error.Flush();
            Environment.Exit(78);
        };
}

/// <summary>
/// Settings records bound from a configuration section with IOptions, checked when the host starts (ValidateOnStart),
/// and registered as the record itself too, so consumers keep taking e.g. <c>SchedulingSettings</c>.
/// </summary>
public static class ValidatedSettings
{
    /// <summary>
    /// Binds <paramref name="section"/> to <typeparamref name="T"/>; <paramref name="problems"/> lists what is wrong,
    /// one message per bad key (null for a good one), each naming the key in full (see <see cref="Key"/>).
    /// </summary>
    public static IServiceCollection AddValidatedSettings<T>(this IServiceCollection services, IConfiguration configuration,
        string section, Func<T, IEnumerable<string?>> problems) where T : class, new()
    {
        services.AddOptions<T>()
            .Configure(settings => Bind(configuration, section, settings))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(problems));
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<T>>().Value);
        return services;
    }

    /// <summary>
    /// The same, read at once, for the few settings that decide what is registered (the database provider, whether
    /// this process trains). Throws <see cref="SettingsException"/>.
    /// </summary>
    public static T Read<T>(IConfiguration configuration, string section, Func<T, IEnumerable<string?>> problems) where T : class, new()
    {
        var settings = new T();
        Bind(configuration, section, settings);
        var failures = problems(settings).OfType<string>().ToList();
        return failures.Count == 0 ? settings : throw new SettingsException(string.Join(" ", failures));
    }

    /// <summary>
    /// Runs the start-up checks now, right after the host is built: before migrations or anything else logs, so a bad
    /// setting is the only thing the process says. The host's own start runs them again (cached, so at no cost).
    /// </summary>
    public static void ValidateNow(IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    /// <summary>"Section:Property", for messages.</summary>
    public static string Key(string section, string property) => $"{section}:{property}";

    /// <summary>A message when the value is not a finite number above 0 (NaN and infinities parse as doubles).</summary>
    public static string? Positive(string section, string property, double value) =>
        double.IsFinite(value) && value > 0 ? null : $"{Key(section, property)} is {value}; it must be a number above 0.";

    public static string? AtLeast(string section, string property, double value, double minimum) =>
        double.IsFinite(value) && value >= minimum ? null : $"{Key(section, property)} is {value}; it must be at least {minimum}.";

    private static void Bind<T>(IConfiguration configuration, string section, T settings) where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(settings);
        }
        catch (InvalidOperationException exception)
        {
            // The binder's own message names the key and the type: "Failed to convert configuration value 'abc' at
            // 'Scheduling:LeaseSeconds' to type 'System.Double'."
            throw new SettingsException(exception.Message, exception);
        }
    }

    private sealed class Validator<T>(Func<T, IEnumerable<string?>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = problems(options).OfType<string>().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
