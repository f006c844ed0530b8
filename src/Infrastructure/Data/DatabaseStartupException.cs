using System.Data.Common;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Migration.Domain;
using Migration.Infrastructure.Options;
using MySqlConnector;

namespace Migration.Infrastructure.Data;

/// <summary>
/// A database could not be used at start: which one, where (server, port and database, or the SQLite file; never
/// the user or the password) and why, in words an operator can act on. The driver's error is the inner exception.
/// </summary>
public sealed class DatabaseStartupException : Exception
{
    internal DatabaseStartupException(string database, string location, string reason, string setting, Exception inner)
        : base($"{database} database at {location}: {reason}", inner)
    {
        Database = database;
        Location = location;
        Reason = reason;
        Setting = setting;
    }

    /// <summary><c>source</c>, <c>target</c> or <c>control</c>.</summary>
    public string Database { get; }

    /// <summary><c>host:port/database</c> for MySQL, the file for SQLite.</summary>
    public string Location { get; }

    /// <summary>Why, e.g. <c>connection refused</c>, <c>Access denied for user 'app'@'10.0.0.5'</c>, <c>no such table: users</c>.</summary>
    public string Reason { get; }

    /// <summary>The configuration key to look at, e.g. <c>Migration:Source:ConnectionString</c>.</summary>
    public string Setting { get; }
}

/// <summary>Turns a driver's error on one database into a <see cref="DatabaseStartupException"/>.</summary>
internal static partial class DatabaseDiagnosis
{
    private static readonly TimeSpan _probeTimeout = TimeSpan.FromSeconds(2);

    /// <summary><c>source</c> or <c>target</c>.</summary>
    public static string Name(Direction side) => side == Direction.Src ? "source" : "target";

    /// <summary>The error, described without a network probe (for errors that are not about reaching a server).</summary>
    /// <param name="doing">What failed, put before the reason (e.g. <c>cannot create the data folder /srv/data</c>).</param>
    public static DatabaseStartupException Describe(
        string database, DatabaseProvider provider, string connectionString, string setting, Exception error, string? doing = null)
    {
        var reason = doing is null ? Reason(error) : $"{doing}: {Reason(error)}";
        return new(database, Location(provider, connectionString), Redact(reason, provider, connectionString), setting, error);
    }

    /// <summary>
    /// The error, described. When MySQL says only that it could not connect, a short TCP connect to the server tells
    /// why (refused, timed out, unknown host).
    /// </summary>
    public static async Task<DatabaseStartupException> DescribeAsync(
        string database, DatabaseProvider provider, string connectionString, string setting, Exception error)
    {
        var reason = Reason(error);
        if (Find<MySqlException>(error) is { ErrorCode: MySqlErrorCode.UnableToConnectToHost } && Find<SocketException>(error) is null)
        {
            reason = await ProbeAsync(connectionString) ?? reason;
        }

        return new(database, Location(provider, connectionString), Redact(reason, provider, connectionString), setting, error);
    }

    /// <summary>Where the database is, without credentials.</summary>
    public static string Location(DatabaseProvider provider, string connectionString)
    {
        try
        {
            if (provider == DatabaseProvider.MySql)
            {
                var mysql = new MySqlConnectionStringBuilder(connectionString);
                var server = mysql.ConnectionProtocol == MySqlConnectionProtocol.UnixSocket || mysql.Server.StartsWith('/')
                    ? mysql.Server
                    : $"{mysql.Server}:{mysql.Port}";
                return string.IsNullOrEmpty(mysql.Database) ? server : $"{server}/{mysql.Database}";
            }

            var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
            return string.IsNullOrEmpty(source) ? "(no Data Source)" : source;
        }
        catch (ArgumentException)
        {
            return "(unreadable connection string)";
        }
    }

    private static string Reason(Exception error)
    {
        if (Find<SocketException>(error) is { } socket)
        {
            return Socket(socket);
        }

        if (Find<SqliteException>(error) is { } sqlite)
        {
            // "SQLite Error 14: 'unable to open database file'." → the part in quotes.
            var quoted = SqliteText().Match(sqlite.Message);
            return quoted.Success ? quoted.Groups[1].Value : sqlite.Message;
        }

        if (Find<DbException>(error) is { } db)
        {
            return db.Message;
        }

        return error switch
        {
            UnauthorizedAccessException denied => $"permission denied ({denied.Message})",
            IOException io => io.Message,
            ArgumentException invalid => $"invalid connection string ({invalid.Message})",
            TimeoutException => "timed out",
            _ => error.GetBaseException().Message,
        };
    }

    private static string Socket(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "unknown host",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown => "host unreachable",
        SocketError.AccessDenied => "permission denied",
        _ => socket.Message,
    };

    /// <summary>Why a TCP connection to the MySQL server fails; null when it does not (the server then is the problem).</summary>
    private static async Task<string?> ProbeAsync(string connectionString)
    {
        MySqlConnectionStringBuilder mysql;
        try
        {
            mysql = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            return null;
        }

        if (mysql.ConnectionProtocol != MySqlConnectionProtocol.Sockets || string.IsNullOrEmpty(mysql.Server))
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(_probeTimeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(mysql.Server.Split(',')[0].Trim(), (int)mysql.Port, timeout.Token);
            return null;
        }
        catch (SocketException socket)
        {
            return Socket(socket);
        }
        catch (OperationCanceledException)
        {
            return "connection timed out";
        }
    }

    /// <summary>A reason never repeats the password, whatever a driver put into its message.</summary>
    private static string Redact(string reason, DatabaseProvider provider, string connectionString)
    {
        try
        {
            var password = provider == DatabaseProvider.MySql ? new MySqlConnectionStringBuilder(connectionString).Password : null;
            return string.IsNullOrEmpty(password) ? reason : reason.Replace(password, "***", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return reason;
        }
    }

    private static T? Find<T>(Exception error)
        where T : Exception
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^SQLite Error \d+: '(.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex SqliteText();
}
