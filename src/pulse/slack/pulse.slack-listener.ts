import { Injectable } from '@nestjs/common';
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { SlackListener, SlackListeners } from '../../slack/slack-listener.decorator';
import { WorkspacesService } from '../../workspaces/workspaces.service';
import { pulseHelpMessage, unknownPulseCommand } from './pulse.blocks';
import { PULSE_COMMAND } from './pulse.slack-ids';

/** `/pulse` in Slack. Parses the subcommand, asks the services, renders an ephemeral reply. */
@Injectable()
@SlackListeners()
export class PulseSlackListener implements SlackListener {
  constructor(private readonly workspaces: WorkspacesService) {}

  register(app: App): void {
    app.command(PULSE_COMMAND, this.onPulseCommand);
  }

  private readonly onPulseCommand = async ({
    ack,
    command,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const subcommand = command.text.trim().toLowerCase();
    if (subcommand === '' || subcommand === 'help') {
      const workspace = await this.workspaces.findBySlackTeamId(command.team_id);
      const k = workspace
        ? this.workspaces.settingsOf(workspace).anonymityThreshold
        : this.workspaces.defaultAnonymityThreshold;
      await ack({ response_type: 'ephemeral', ...pulseHelpMessage(k) });
      return;
    }
    await ack({ response_type: 'ephemeral', ...unknownPulseCommand(command.text.trim()) });
  };
}
