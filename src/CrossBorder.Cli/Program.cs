using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Users;

// The commands are listed in CliApp.Commands.
return await CliApp.InvokeAsync(args);
