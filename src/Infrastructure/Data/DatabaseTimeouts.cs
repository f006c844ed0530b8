using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Migration.Infrastructure.Options;
using MySqlConnector;

namespace Migration.Infrastructure.Data;

/// <summary>
/// How long one database's statements may run and wait for locks (<see cref="DatabaseOptions.CommandTimeoutSeconds"/>,
/// <see cref="DatabaseOptions.LockWaitTimeoutSeconds"/>), applied to its connection string and to every session.
/// </summary>
internal sealed record DatabaseTimeouts(int CommandSeconds, int LockWaitSeconds)
{
    public static DatabaseTimeouts From(DatabaseOptions options) => new(options.CommandTimeoutSeconds, options.LockWaitTimeoutSeconds);

    /// <summary>
    /// The connection string with the timeouts in it. MySQL: the command timeout of every command, and the connect
    /// timeout unless the string names one. SQLite: the lock wait, which Microsoft.Data.Sqlite applies to its retries
    /// of a locked database, also in the commands it makes itself (<c>BEGIN</c>); it has no other statement timeout.
    /// </summary>
    public string Apply(DatabaseProvider provider, string connectionString)
    {
        if (provider == DatabaseProvider.MySql)
        {
            // GuidFormat None: a CHAR(36) or BINARY(16) value is read as the text or bytes stored, not as a Guid, so keys and
            // values compare exactly as the server holds them.
            var mysql = new MySqlConnectionStringBuilder(connectionString) { DefaultCommandTimeout = (uint)CommandSeconds, GuidFormat = MySqlGuidFormat.None };
            if (!mysql.ContainsKey("Connection Timeout"))
            {
                mysql.ConnectionTimeout = (uint)CommandSeconds;
            }

            return mysql.ConnectionString;
        }

        return new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = LockWaitSeconds }.ConnectionString;
    }

    /// <summary>The command timeout EF Core sets on its commands: on SQLite, the lock wait (see <see cref="Apply"/>).</summary>
    public int EfCommandSeconds(DatabaseProvider provider) => provider == DatabaseProvider.MySql ? CommandSeconds : LockWaitSeconds;

    /// <summary>
    /// Bounds the session's lock waits on a newly opened MySQL connection: row locks (<c>innodb_lock_wait_timeout</c>)
    /// and metadata locks, which DDL holds (<c>lock_wait_timeout</c>), in one statement. MySqlConnector resets a pooled
    /// connection's session when it is reused, so this runs on every open: one more round trip per connection.
    /// </summary>
    public async Task StartSessionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (connection is not MySqlConnection)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = SessionStatement;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc cref="StartSessionAsync"/>
    public void StartSession(DbConnection connection)
    {
        if (connection is not MySqlConnection)
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = SessionStatement;
        command.ExecuteNonQuery();
    }

    private string SessionStatement => string.Create(
        CultureInfo.InvariantCulture, $"SET SESSION innodb_lock_wait_timeout = {LockWaitSeconds}, lock_wait_timeout = {LockWaitSeconds}");
}

/// <summary>Which database errors mean "it took too long" rather than "it is wrong".</summary>
internal static class DatabaseErrors
{
    private const int MariaDbStatementTimeout = 1969;

    /// <summary>
    /// A lock wait or a command that ran out of time, anywhere in the exception's chain (EF Core wraps the driver's):
    /// MySQL's lock wait timeout, a statement timeout, or the driver's command timeout; SQLite's busy or locked
    /// database after its retries.
    /// </summary>
    public static bool IsTimeout(Exception exception) => FindTimeout(exception) is not null;

    /// <summary>The exception in the chain that says the database timed out, or null (see <see cref="IsTimeout"/>).</summary>
    public static Exception? FindTimeout(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case MySqlException { ErrorCode: MySqlErrorCode.LockWaitTimeout or MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.QueryTimeout }:
                case MySqlException { Number: MariaDbStatementTimeout }:
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                case TimeoutException:
                    return e;
            }
        }

        return null;
    }
}
