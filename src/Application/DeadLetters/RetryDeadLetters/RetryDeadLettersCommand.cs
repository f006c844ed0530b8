using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.DeadLetters.RetryDeadLetters;

/// <summary>Replays dead letters: each is written back into the outbox as a new event and marked retried.</summary>
/// <param name="Ids">The dead letters to replay; null replays every open one.</param>
public sealed record RetryDeadLettersCommand(IReadOnlyList<long>? Ids = null) : IRequest<DeadLetterRetryDto>;

/// <param name="Replayed">How many dead letters were written back into the outbox.</param>
/// <param name="Ids">Their ids.</param>
/// <param name="NotOpen">Ids asked for that are unknown or were replayed before; nothing was done with them.</param>
public sealed record DeadLetterRetryDto(int Replayed, IReadOnlyList<long> Ids, IReadOnlyList<long> NotOpen);

internal sealed class RetryDeadLettersCommandHandler(IDeadLetterStore deadLetters) : IRequestHandler<RetryDeadLettersCommand, DeadLetterRetryDto>
{
    public async ValueTask<DeadLetterRetryDto> Handle(RetryDeadLettersCommand request, CancellationToken cancellationToken)
    {
        var replay = await deadLetters.ReplayAsync(request.Ids?.Distinct().ToArray(), cancellationToken);
        return new DeadLetterRetryDto(replay.Replayed.Count, replay.Replayed, replay.NotOpen);
    }
}
