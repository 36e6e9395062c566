/**
 * Every migration, oldest first. A migration is added here when it is created and never edited
 * once landed; a test checks that this list and the folder agree.
 */
import { Foundation1764096000000 } from './1764096000000-Foundation';
import { PulseSurveys1764182400000 } from './1764182400000-PulseSurveys';
import { FocusBlocks1764268800000 } from './1764268800000-FocusBlocks';
import { ResultsReadPath1764355200000 } from './1764355200000-ResultsReadPath';
import { FocusSyncPacing1764441600000 } from './1764441600000-FocusSyncPacing';
import { PacingLateness1764528000000 } from './1764528000000-PacingLateness';
import { SealedBallots1764614400000 } from './1764614400000-SealedBallots';
import { FocusPrivacy1764700800000 } from './1764700800000-FocusPrivacy';
import { Stories1764787200000 } from './1764787200000-Stories';
import { DashboardSessions1764873600000 } from './1764873600000-DashboardSessions';
import { LearnedPacing1764960000000 } from './1764960000000-LearnedPacing';
import { DropSlackReserve1765046400000 } from './1765046400000-DropSlackReserve';
import { WholeMillisecondSlots1765132800000 } from './1765132800000-WholeMillisecondSlots';
import { StoryHrMessage1765219200000 } from './1765219200000-StoryHrMessage';

export const MIGRATIONS = [
  Foundation1764096000000,
  PulseSurveys1764182400000,
  FocusBlocks1764268800000,
  ResultsReadPath1764355200000,
  FocusSyncPacing1764441600000,
  PacingLateness1764528000000,
  SealedBallots1764614400000,
  FocusPrivacy1764700800000,
  Stories1764787200000,
  DashboardSessions1764873600000,
  LearnedPacing1764960000000,
  DropSlackReserve1765046400000,
  WholeMillisecondSlots1765132800000,
  StoryHrMessage1765219200000,
];
