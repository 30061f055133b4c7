using GanService.Api.Auth;
using GanService.Domain;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Net.Http.Headers;

namespace GanService.Api.Infrastructure;

/// <summary>
/// The studio (src/Api/wwwroot, plain ES modules: docs/adr/0003) is served by the API itself, and every response
/// carries the security headers; the studio's pages also a Content-Security-Policy that allows nothing from another
/// host and no inline script.
/// </summary>
public static class StudioHosting
{
    /// Swagger UI and the Hangfire dashboard ship inline scripts of their own; they get the other headers only.
    private static readonly string[] ThirdPartyPages = ["/swagger", "/hangfire"];

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddStudio(this IServiceCollection services, IConfiguration configuration)
    {
        // The session cookie's keys live beside the database, so a restart keeps people signed in.
        var dataDirectory = GanServiceSettings.FromConfiguration(configuration).DataDirectory;
        services.AddDataProtection().SetApplicationName("GanService")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        services.AddSingleton<StudioSession>();
        return services;
    }

    public static WebApplication UseStudio(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers[HeaderNames.XFrameOptions] = "DENY";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            var path = context.Request.Path;
            if (!ThirdPartyPages.Any(page => path.StartsWithSegments(page, StringComparison.OrdinalIgnoreCase)))
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Small files, revalidated on every load (ETag), so a new release is never mixed with a cached old module.
            OnPrepareResponse = file => file.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache",
        });
        return app;
    }
}
