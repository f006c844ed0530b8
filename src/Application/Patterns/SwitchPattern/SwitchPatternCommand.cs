using Mediator;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Patterns.Cutover;
using Migration.Domain;
using Migration.Domain.Patterns;

namespace Migration.Application.Patterns.SwitchPattern;

/// <summary>
/// Switch the double-write pattern. A move goes one step along <c>src_only → src_first → dst_first → dst_only</c>
/// or one step back; a jump needs <see cref="Force"/>. A step is also refused while a live instance still applies an
/// older pattern (it would skip a step there), and a move that changes the base side without proof that nothing
/// would be lost (<see cref="Cutover.CutoverGate"/>); forcing overrides both, and is stored with who forced it.
/// </summary>
/// <param name="Pattern">The wire name of the pattern to switch to.</param>
/// <param name="Force">Allow a jump, a step while other instances lag behind, or a change of base side without proof. Logged as forced.</param>
/// <param name="Actor">Who asks (the API key's name or the token's subject); stored with a forced switch.</param>
public sealed record SwitchPatternCommand(string Pattern, bool Force, string? Actor = null) : IRequest<PatternSwitchDto>;

internal sealed partial class SwitchPatternCommandHandler(
    IPatternStore patterns,
    IInstanceRegistry instances,
    CutoverGate gate,
    RunRebaser rebaser,
    ILogger<SwitchPatternCommandHandler> logger) : IRequestHandler<SwitchPatternCommand, PatternSwitchDto>
{
    public async ValueTask<PatternSwitchDto> Handle(SwitchPatternCommand request, CancellationToken cancellationToken)
    {
        // The validation behavior guarantees the name parses.
        WritePatternExtensions.TryParseWire(request.Pattern, out var target);
        var current = await patterns.ReadAsync(cancellationToken);
        var check = PatternMoveRule.Check(current.Pattern, target, request.Force);
        switch (check)
        {
            case PatternMoveCheck.Refused:
                throw Conflict(
                    $"Cannot switch from {current.Pattern.ToWire()} to {target.ToWire()}: patterns move one step at a time. " +
                    $"Allowed from {current.Pattern.ToWire()}: {string.Join(", ", Allowed(current.Pattern))}; a jump needs ?force=true.",
                    current, target);
            case PatternMoveCheck.Unchanged:
                return Result(current, current, changed: false, [],
                    $"The pattern already is {current.Pattern.ToWire()}; nothing changed.");
            case PatternMoveCheck.Step when !request.Force:
                await RefuseWhileInstancesLagAsync(current, target, cancellationToken);
                break;
        }

        var cutover = await gate.CheckAsync(current, target, cancellationToken);
        if (!cutover.Ready && !request.Force)
        {
            throw Conflict(
                $"Cannot switch from {current.Pattern.ToWire()} to {target.ToWire()}: it makes {target.Primary().ToWire()} the truth, and nothing " +
                $"proves yet that it holds every acknowledged write: {string.Join("; ", cutover.Reasons)}. " +
                "GET /migrator/cutover says what is missing; ?force=true switches anyway and puts the rows below at risk.",
                current, target, new Dictionary<string, object?> { ["reasons"] = cutover.Reasons, ["atRisk"] = cutover.AtRisk });
        }

        // ?force=true is recorded and logged as forced on a step too: it also skipped the checks.
        var stored = await patterns.TrySetAsync(target, current.Version, request.Force, request.Actor, cancellationToken);
        if (stored is null)
        {
            var now = await patterns.ReadAsync(cancellationToken);
            throw Conflict(
                $"The pattern changed while switching: it is {now.Pattern.ToWire()} (version {now.Version}) now. Check it and try again.",
                now, target);
        }

        if (request.Force)
        {
            LogForced(current.Pattern.ToWire(), target.ToWire(), check == PatternMoveCheck.ForcedJump ? "jump" : "step", stored.Version,
                request.Actor ?? "unknown", cutover.Ready ? "none" : string.Join("; ", cutover.Reasons));
        }
        else
        {
            LogSwitched(current.Pattern.ToWire(), target.ToWire(), stored.Version);
        }

        // The switch is stored and applied here; the runs follow it even if the caller has gone.
        var runs = await rebaser.RebaseAsync(stored.Pattern.Primary(), CancellationToken.None);
        var restarted = runs.Where(r => r.Restarted).Select(r => r.Kind).ToArray();
        var message = $"Switched from {current.Pattern.ToWire()} to {stored.Pattern.ToWire()}{(request.Force ? " (forced)" : "")}: " +
            $"reads and first writes go to {stored.Pattern.Primary().ToWire()}" +
            (stored.Pattern.Secondary() is { } secondary ? $", copies to {secondary.ToWire()}. " : $" only. ") +
            (restarted.Length > 0
                ? $"Restarted {string.Join(" and ", restarted)} validation with base {stored.Pattern.Primary().ToWire()}. "
                : "") +
            "Other instances apply it at their next refresh; GET /migrator/pattern shows when all have converged.";
        return Result(current, stored, changed: true, runs, message);
    }

    private async Task RefuseWhileInstancesLagAsync(StoredPattern current, WritePattern target, CancellationToken cancellationToken)
    {
        var lagging = (await instances.LiveInstancesAsync(cancellationToken)).Where(i => i.PatternVersion < current.Version).ToArray();
        if (lagging.Length == 0)
        {
            return;
        }

        var names = lagging.Select(i => $"{i.InstanceId} ({i.Pattern.ToWire()})").ToArray();
        throw Conflict(
            $"Cannot switch to {target.ToWire()} yet: {string.Join(", ", names)} still appl{(lagging.Length == 1 ? "ies" : "y")} an older pattern than " +
            $"{current.Pattern.ToWire()}, so the move would skip a step there. Wait until GET /migrator/pattern shows converged, or force it.",
            current, target, new Dictionary<string, object?> { ["lagging"] = lagging.Select(i => i.InstanceId).ToArray() });
    }

    private static ConflictException Conflict(
        string message, StoredPattern current, WritePattern requested, Dictionary<string, object?>? extra = null)
    {
        var details = new Dictionary<string, object?>
        {
            ["current"] = current.Pattern.ToWire(),
            ["requested"] = requested.ToWire(),
            ["allowed"] = Allowed(current.Pattern),
            ["version"] = current.Version,
        };
        foreach (var (key, value) in extra ?? [])
        {
            details[key] = value;
        }

        return new ConflictException(message, details);
    }

    private static string[] Allowed(WritePattern from) => PatternMoveRule.AllowedFrom(from).Select(p => p.ToWire()).ToArray();

    private static PatternSwitchDto Result(
        StoredPattern previous, StoredPattern now, bool changed, IReadOnlyList<RunRestartDto> runs, string message) => new(
        previous.Pattern.ToWire(),
        now.Pattern.ToWire(),
        changed,
        changed && now.Forced,
        now.Version,
        now.Pattern.Primary().ToWire(),
        Allowed(now.Pattern),
        runs,
        message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pattern switched from {From} to {To} (version {Version})")]
    private partial void LogSwitched(string from, string to, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pattern FORCED from {From} to {To} ({Move}, version {Version}) by {Actor}; checks overridden: {Overridden}")]
    private partial void LogForced(string from, string to, string move, long version, string actor, string overridden);
}
