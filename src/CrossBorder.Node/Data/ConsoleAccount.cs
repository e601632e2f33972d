namespace CrossBorder.Node.Data;

/// <summary>
/// A person who signs in to the console (auditor or operator). Created, disabled and reset by the CLI
/// (<c>crossborder users ...</c>); the node only reads it and counts failed sign-ins. The name is the sign-in
/// name: it never leaves this table (audit entries and tokens name the account by <see cref="Id"/>).
/// </summary>
public sealed class ConsoleAccount
{
    public Guid Id { get; set; }
    public required string Name { get; set; }

    /// <summary><c>Console/ConsoleRoles</c>.</summary>
    public required string Role { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</summary>
    public required string PasswordHash { get; set; }

    /// <summary>Failed sign-ins since the last success or lockout.</summary>
    public int FailedAttempts { get; set; }

    /// <summary>No sign-in (not even with the right password) before this time.</summary>
    public DateTimeOffset? LockoutUntil { get; set; }
    public bool Disabled { get; set; }

    /// <summary>Changed by a reset or a disable: sign-in sessions made before no longer authorize.</summary>
    public Guid SecurityStamp { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public const string Table = "console_accounts";
    public const int NameMaxLength = 64;
    public const string NamePattern = "^[A-Za-z0-9._-]{1,64}$";
}
