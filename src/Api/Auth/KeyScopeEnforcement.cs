using System.Text.RegularExpressions;
using GanService.Domain.Auth;

namespace GanService.Api.Auth;

/// <summary>
/// Refuses, with a 403 that names the scope, an /api request that the key's scopes do not allow (<see cref="KeyScopes"/>).
/// Admin routes need the admin role on top, which only a key with the admin scope of an admin carries.
/// </summary>
public static partial class KeyScopeEnforcement
{
    /// <summary>The scope a request needs: reads and the routes that only make images need read; other writes need train.</summary>
    public static string? Required(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value ?? "";
        if (!request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return null;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return KeyScopes.Read;
        if (HttpMethods.IsPost(request.Method) && ImageOnly().IsMatch(path)) return KeyScopes.Read;
        // Signing out, and revoking one's own key, make a key do less: any key may.
        if (request.Path.StartsWithSegments("/api/session", StringComparison.OrdinalIgnoreCase)) return null;
        if (HttpMethods.IsDelete(request.Method) && path.StartsWith("/api/me/keys/", StringComparison.OrdinalIgnoreCase)) return null;
        return KeyScopes.Train;
    }

    public static WebApplication UseKeyScopes(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.User.Identity?.IsAuthenticated == true && Required(context.Request) is { } scope && !context.User.Scopes().Contains(scope))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status403Forbidden, Title = "Forbidden",
                        Detail = $"This key's scopes ({string.Join(", ", context.User.Scopes())}) do not allow this request; it needs a key with the '{scope}' scope.",
                    },
                });
                return;
            }
            await next(context);
        });
        return app;
    }

    [GeneratedRegex("^/api/runs/[^/]+/(generate|interpolate|project)/?$", RegexOptions.IgnoreCase)]
    private static partial Regex ImageOnly();
}
