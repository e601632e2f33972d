using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace CrossBorder.Node.Console;

/// <summary>
/// The browser console (issue 15): people's accounts and sign-in (authorization code with PKCE against this node's
/// own token server), the login page and the console's static files, all under a strict Content-Security-Policy.
/// </summary>
public static class ConsoleSetup
{
    public const string CookieScheme = "console";
    public const string AccountClaim = "account";
    public const string StampClaim = "stamp";

    /// <summary>Nothing but this node's own files: no inline script or style, no eval, no framing (CSP Level 3).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddNodeConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<NodeOptions>, ConsoleClientNameValidator>();
        services.AddAuthentication().AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "crossborder-console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.LoginPath = LoginPage.Path;
            o.ReturnUrlParameter = "returnUrl";
            o.SlidingExpiration = false; // ExpireTimeSpan: ConsoleOptions.SessionLifetime, below
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<Microsoft.Extensions.Options.IOptions<ConsoleOptions>>(
            (o, console) => o.ExpireTimeSpan = console.Value.SessionLifetime);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "crossborder-console-af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "af";
            o.SuppressXFrameOptionsHeader = true; // frame-ancestors 'none' in the CSP says more
        });
        services.AddSingleton<IPasswordHasher<ConsoleAccount>, PasswordHasher<ConsoleAccount>>();
        services.AddScoped<ConsoleSignIn>();
        services.AddScoped<ConsoleTokens>();
        services.AddSingleton<ConsoleAssets>();
        return services;
    }

    public static IEndpointRouteBuilder MapNodeConsole(this IEndpointRouteBuilder app)
    {
        app.MapConsoleLogin();
        app.MapConsoleAuthorize();
        app.MapPost("/console/logout", async (HttpContext http) =>
            {
                await http.SignOutAsync(CookieScheme);
                return Results.Redirect(LoginPage.Path, permanent: false);
            })
            .AllowAnonymous().ExcludeFromDescription();
        // Also matches "/console" (a catch-all is optional): that one is sent to "/console/", where relative URLs work.
        app.MapGet("/console/{**path}", (HttpContext http, ConsoleAssets assets, string? path) =>
                path is null && !http.Request.Path.Value!.EndsWith('/') ? Results.Redirect(ConsoleClient.Path) : assets.Serve(http, path))
            .AllowAnonymous().ExcludeFromDescription().WithMetadata(NoDatabase.Instance);
        return app;
    }

    /// <summary>The console's and the login page's headers.</summary>
    public static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
