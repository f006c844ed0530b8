using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Domain;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// An entity type of the pool as the EF Core model of <see cref="SideDbContext"/> maps it: its table, its primary key
/// (one property or several, of any type the model maps), whether the database generates that key, and whether the
/// entity is versioned (<see cref="IVersioned"/>). Nothing here assumes a column named <c>id</c> or <c>utime</c>.
/// </summary>
internal sealed class MigratedTable
{
    private readonly KeyPart[] _key;

    private MigratedTable(Type entityType, string name, KeyPart[] key, bool generatedKey, string? versionColumn)
    {
        EntityType = entityType;
        Name = name;
        _key = key;
        KeyColumns = key.Select(k => k.Column).ToArray();
        GeneratedKey = generatedKey;
        VersionColumn = versionColumn;
    }

    public Type EntityType { get; }

    /// <summary>The table's name, the same on both sides.</summary>
    public string Name { get; }

    /// <summary>The primary key's columns, in key order.</summary>
    public IReadOnlyList<string> KeyColumns { get; }

    /// <summary>
    /// A single integer key the database generates (<c>ValueGeneratedOnAdd</c>): the primary assigns it, the write fence
    /// guards it (ADR-005). Any other key is the application's, copied as it is.
    /// </summary>
    public bool GeneratedKey { get; }

    /// <summary>The column of <see cref="IVersioned.Utime"/>; null for an entity that is not versioned.</summary>
    public string? VersionColumn { get; }

    public bool Versioned => VersionColumn is not null;

    /// <summary>Reads the entity type from the model; throws naming what is missing when the pool cannot write it.</summary>
    public static MigratedTable Read(IModel model, Type entityType)
    {
        var type = model.FindEntityType(entityType)
            ?? throw new InvalidOperationException(
                $"{entityType.Name} is not mapped on the sides: add its IEntityTypeConfiguration under Infrastructure/Data/Configurations.");
        var table = type.GetTableName()
            ?? throw new InvalidOperationException($"{entityType.Name} is not mapped to a table.");
        var key = type.FindPrimaryKey()
            ?? throw new InvalidOperationException($"{entityType.Name} has no primary key in the model; the pool identifies rows by it.");
        var parts = key.Properties.Select(p => new KeyPart(
            p.PropertyInfo ?? throw new InvalidOperationException(
                $"Key property {p.Name} of {entityType.Name} is a shadow property; the pool reads keys from the entity, so map a property of the class."),
            p.GetColumnName(),
            p.GetTypeMapping().Converter)).ToArray();
        var generated = key.Properties is [{ ValueGenerated: ValueGenerated.OnAdd } single] && IsInteger(single.ClrType);
        string? version = null;
        if (typeof(IVersioned).IsAssignableFrom(entityType))
        {
            version = type.FindProperty(nameof(IVersioned.Utime))?.GetColumnName()
                ?? throw new InvalidOperationException($"{entityType.Name} is versioned ({nameof(IVersioned)}) but its {nameof(IVersioned.Utime)} property is not mapped.");
        }

        return new MigratedTable(entityType, table, parts, generated, version);
    }

    /// <summary>The entity's key values, in key order, as the CLR properties hold them.</summary>
    public object?[] KeyOf(object entity) => _key.Select(k => k.Property.GetValue(entity)).ToArray();

    /// <summary>True for an insert whose key the primary is still to generate: a generated key left at its default.</summary>
    public bool AwaitsGeneratedKey(object entity) =>
        GeneratedKey && Convert.ToInt64(_key[0].Property.GetValue(entity), CultureInfo.InvariantCulture) == 0;

    /// <summary>
    /// A key as a caller gives it (<c>[42L]</c>, <c>[orderId, lineNo]</c>), each value converted to its key property's
    /// type. Throws <see cref="ArgumentException"/> naming the key when the count or a value does not fit.
    /// </summary>
    public object[] Normalize(IReadOnlyList<object> key)
    {
        if (key.Count != _key.Length)
        {
            throw new ArgumentException(
                $"A key of {Name} has {_key.Length} value(s) ({string.Join(", ", KeyColumns)}), not {key.Count}.", nameof(key));
        }

        var values = new object[key.Count];
        for (var i = 0; i < key.Count; i++)
        {
            var type = Nullable.GetUnderlyingType(_key[i].Property.PropertyType) ?? _key[i].Property.PropertyType;
            try
            {
                values[i] = key[i] switch
                {
                    null => throw new ArgumentException($"Key column {KeyColumns[i]} of {Name} cannot be null.", nameof(key)),
                    var v when type.IsInstanceOfType(v) => v,
                    var v when type.IsEnum => Enum.ToObject(type, v),
                    string s when type == typeof(Guid) => Guid.Parse(s),
                    IConvertible v => Convert.ChangeType(v, type, CultureInfo.InvariantCulture),
                    var v => throw new ArgumentException($"Key column {KeyColumns[i]} of {Name} is {type.Name}, not {v.GetType().Name}.", nameof(key)),
                };
            }
            catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
            {
                throw new ArgumentException($"Key column {KeyColumns[i]} of {Name} is {type.Name}; {key[i]} is not one.", nameof(key), ex);
            }
        }

        return values;
    }

    /// <summary>
    /// The key as events, conflicts and logs carry it: the column names and the values as <paramref name="provider"/>
    /// stores them (integers as 64-bit, a <see cref="Guid"/> as its text, upper case on SQLite), so that the repair finds
    /// the row and the key's text is the one validation reports for the same row.
    /// </summary>
    public RowKey RowKey(IReadOnlyList<object?> values, DatabaseProvider provider)
    {
        var typed = new object?[values.Count];
        var order = new object[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i] is { } v && _key[i].Converter is { } converter ? converter.ConvertToProvider(v) : values[i];
            (typed[i], order[i]) = value switch
            {
                null => throw new InvalidOperationException($"Key column {KeyColumns[i]} of {Name} is null."),
                long or int or short or sbyte => Both(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
                ulong or uint or ushort or byte => Both(Convert.ToUInt64(value, CultureInfo.InvariantCulture)),
                Enum e => Both(Convert.ToInt64(e, CultureInfo.InvariantCulture)),
                byte[] bytes => Both(bytes),
                Guid g => Text(provider == DatabaseProvider.Sqlite ? g.ToString("D").ToUpperInvariant() : g.ToString("D")),
                string s => Text(s),
                var other => Text(Convert.ToString(other, CultureInfo.InvariantCulture)!),
            };
        }

        return new RowKey(KeyColumns.ToArray(), typed, order);

        static (object?, object) Both(object value) => (value, value);

        static (object?, object) Text(string value) => (value, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The row as logs and failures name it: <c>users:42</c>, <c>order_lines:{"order_id":7,"line_no":1}</c>, or <c>users:new</c>.</summary>
    public string Describe(IReadOnlyList<object?>? values, DatabaseProvider provider) =>
        values is null ? $"{Name}:new" : $"{Name}:{RowKey(values, provider).ToText()}";

    /// <summary>
    /// <c>e =&gt; e.K1 == key[0] &amp;&amp; e.K2 == key[1] …</c> over the key properties; the values become query parameters.
    /// </summary>
    /// <param name="key">The key's values of the properties' types (<see cref="Normalize"/>, <see cref="KeyOf"/>).</param>
    public Expression<Func<TEntity, bool>> Matches<TEntity>(IReadOnlyList<object?> key)
    {
        var entity = Expression.Parameter(typeof(TEntity), "e");
        var values = Expression.Constant(key.ToArray());
        var body = _key.Select((part, i) => (Expression)Expression.Equal(
                Expression.Property(entity, part.Property),
                Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(i)), part.Property.PropertyType)))
            .Aggregate(Expression.AndAlso);
        return Expression.Lambda<Func<TEntity, bool>>(body, entity);
    }

    /// <summary>
    /// The row by key, locked until the transaction ends (MySQL): <c>SELECT * … WHERE `a` = {0} AND `b` = {1} FOR UPDATE</c>,
    /// with the parameters of <see cref="ParameterValues"/>.
    /// </summary>
    public string SelectForUpdate() =>
        $"SELECT * FROM {SqlDialect.Quote(Name)} WHERE {string.Join(" AND ", KeyColumns.Select((c, i) => $"{SqlDialect.Quote(c)} = {{{i}}}"))} FOR UPDATE";

    /// <summary>The key's values as parameters of raw SQL: through the property's value converter where it has one.</summary>
    public object?[] ParameterValues(IReadOnlyList<object?> key) =>
        key.Select((v, i) => v is not null && _key[i].Converter is { } converter ? converter.ConvertToProvider(v) : v).ToArray();

    private static bool IsInteger(Type type) => type == typeof(long) || type == typeof(int) || type == typeof(short);

    private sealed record KeyPart(PropertyInfo Property, string Column, ValueConverter? Converter);
}

/// <summary>The pool's entity types, each read once from the sides' EF Core model.</summary>
internal sealed partial class MigratedTables(SideDatabases databases, IOptions<MigrationOptions> options, ILogger<MigratedTables> logger)
{
    private readonly ConcurrentDictionary<Type, MigratedTable> _tables = new();
    private readonly Lazy<IModel> _model = new(() =>
    {
        using var context = databases[Direction.Src].CreateContext();
        return context.Model;
    });

    public MigratedTable For<TEntity>()
        where TEntity : class => _tables.GetOrAdd(typeof(TEntity), Read);

    private MigratedTable Read(Type type)
    {
        var table = MigratedTable.Read(_model.Value, type);
        var validated = options.Value.TableEntries.Select(t => t.Name).ToArray();
        if (!validated.Contains("*") && !validated.Contains(table.Name, StringComparer.OrdinalIgnoreCase))
        {
            LogNotValidated(table.Name, type.Name);
        }

        return table;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Table {Table} ({Entity}) is written through the double-write pool but is not in Migration:Tables: validation does not compare it, and the repair sets a failed copy of its rows aside as a dead letter. Add it to Migration:Tables.")]
    private partial void LogNotValidated(string table, string entity);
}
