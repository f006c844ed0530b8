using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Inconsistencies.ListInconsistencies;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;

namespace Migration.Application.Inconsistencies.RepairInconsistencies;

/// <summary>
/// Repair stored differences that are still open (<c>pending</c>, e.g. found by a report-only run, or <c>conflict</c>):
/// each selected one is handed to the repair again, confirmed now. Naming a <see cref="Winner"/> decides them: that
/// side's row is copied to the other side, whatever the repair policy prefers. At least one of <see cref="Run"/>,
/// <see cref="Table"/> and <see cref="Keys"/> must be given; every one given must hold.
/// </summary>
/// <param name="Run">The run whose differences to repair (its id).</param>
/// <param name="Table">Only those of this table; needed with <see cref="Keys"/>.</param>
/// <param name="Type"><c>target_missing</c>, <c>neq</c> or <c>base_missing</c>.</param>
/// <param name="Outcome">Only <c>pending</c> ones, or only <c>conflict</c> ones; default both.</param>
/// <param name="Keys">Only these rows: each key as listed (<c>keyText</c>): a value for a single-column key, an object by column otherwise. 1 to 1,000.</param>
/// <param name="Winner"><c>SRC</c> or <c>DST</c>: the side copied to the other; default each difference's own base side.</param>
public sealed record RepairInconsistenciesCommand(
    string? Run = null, string? Table = null, string? Type = null, string? Outcome = null, IReadOnlyList<JsonElement>? Keys = null, string? Winner = null)
    : IRequest<RepairInconsistenciesResultDto>
{
    public const int MaxKeys = 1_000;

    /// <summary>Who asks (the API key's name or the token's subject), for the log; not part of the body.</summary>
    [JsonIgnore]
    public string? Actor { get; init; }
}

/// <param name="Requeued">Differences handed to the repair (their outcome is <c>pending</c> until it reports).</param>
/// <param name="Winner">The side named as the winner; null when each difference keeps its base side.</param>
/// <param name="KeysNotOpen">Keys asked for that match no open difference (none stored, or already repaired or gone).</param>
public sealed record RepairInconsistenciesResultDto(long Requeued, string? Winner, IReadOnlyList<string> KeysNotOpen);

internal sealed class RepairInconsistenciesCommandValidator : AbstractValidator<RepairInconsistenciesCommand>
{
    public RepairInconsistenciesCommandValidator()
    {
        RuleFor(c => c.Run).Must(r => r is not null).When(c => c.Table is null && c.Keys is null)
            .WithMessage("Name what to repair: 'run', 'table' or 'keys' (with 'table').");
        RuleFor(c => c.Run).Must(r => r is null || Guid.TryParse(r, out _)).WithMessage("'run' must be a run id (a GUID, as in GET /migrator/runs).");
        RuleFor(c => c.Table).NotEmpty().When(c => c.Keys is not null).WithMessage("'table' is required with 'keys': a key is a key of one table.");
        RuleFor(c => c.Table).Must(t => t is null || t.Length is > 0 and <= 128).WithMessage("'table' must be a table name (1 to 128 characters).");
        RuleFor(c => c.Type).Must(t => t is null || InconsistencyTypeExtensions.TryParseWire(t, out _))
            .WithMessage("'type' must be target_missing, neq or base_missing.");
        RuleFor(c => c.Outcome).Must(o => o is null or "pending" or "conflict").WithMessage("'outcome' must be pending or conflict: only open differences are repaired.");
        RuleFor(c => c.Keys).Must(k => k is null || k.Count is > 0 and <= RepairInconsistenciesCommand.MaxKeys)
            .WithMessage($"'keys' must list 1 to {RepairInconsistenciesCommand.MaxKeys} keys.");
        RuleFor(c => c.Winner).Must(w => w is null || DirectionExtensions.TryParseWire(w, out _)).WithMessage("'winner' must be SRC or DST.");
    }
}

internal sealed partial class RepairInconsistenciesCommandHandler(
    IDifferenceStore differences, ITableCatalog catalog, ILogger<RepairInconsistenciesCommandHandler> logger)
    : IRequestHandler<RepairInconsistenciesCommand, RepairInconsistenciesResultDto>
{
    public async ValueTask<RepairInconsistenciesResultDto> Handle(RepairInconsistenciesCommand request, CancellationToken cancellationToken)
    {
        var filter = Filters.From(request.Run, request.Table, request.Type, request.Outcome);
        var keys = request.Keys is null ? null : await KeyTextsAsync(request.Table!, request.Keys, cancellationToken);
        Direction? winner = DirectionExtensions.TryParseWire(request.Winner, out var side) ? side : null;
        var result = await differences.RequeueAsync(filter, keys, winner, cancellationToken);
        LogRequeued(request.Actor ?? "anonymous", result.Requeued, request.Run, request.Table, request.Winner ?? "each one's base side");
        return new RepairInconsistenciesResultDto(result.Requeued, winner?.ToWire(), result.KeysNotOpen);
    }

    /// <summary>Each key in its stored text form, read with the table's key columns; a key that is not one is a 400 naming <c>keys</c>.</summary>
    private async Task<string[]> KeyTextsAsync(string table, IReadOnlyList<JsonElement> keys, CancellationToken cancellationToken)
    {
        var spec = (await catalog.GetAsync(cancellationToken)).Find(table)
            ?? throw new Common.ValidationException(new Dictionary<string, string[]> { ["table"] = [$"'{table}' is not a migrated table."] });
        var texts = new string[keys.Count];
        var errors = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                texts[i] = RowKey.Parse(spec, keys[i]).ToText();
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
            {
                errors.Add($"keys[{i}]: {ex.Message}");
            }
        }

        return errors.Count == 0 ? texts : throw new Common.ValidationException(new Dictionary<string, string[]> { ["keys"] = [.. errors.Take(10)] });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Actor} asked to repair stored differences (run {Run}, table {Table}), winner {Winner}: {Count} handed to the repair")]
    private partial void LogRequeued(string actor, long count, string? run, string? table, string winner);
}
