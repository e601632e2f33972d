using System.ComponentModel.DataAnnotations;

namespace CrossBorder.Node.Console;

/// <summary>The people's sign-in to the console (issue 15).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Failed sign-ins in a row after which an account is locked.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked account refuses every sign-in, even with the right password.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long the sign-in cookie lets the token server issue a new authorization code without asking again.
    /// The console itself calls the API with 5-minute access tokens, never with the cookie.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "12:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(30);
}
