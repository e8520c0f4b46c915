"""Training's models: courses and what members did with them (`courses`), certifications,
certificates and the gates they open (`certification`), the social media policy and its
acknowledgements (`policy`), and sessions with their RSVPs (`sessions`)."""

from chorus.training.models.certification import (
    Certificate,
    Certification,
    Gate,
    GateAction,
)
from chorus.training.models.courses import (
    Choice,
    Course,
    CourseCompletion,
    CourseState,
    CourseVersion,
    Lesson,
    LessonImage,
    LessonProgress,
    Question,
    QuestionKind,
    QuizAnswer,
    QuizAttempt,
    ResponseState,
    Scenario,
    ScenarioResponse,
    ScenarioState,
    lesson_image_path,
)
from chorus.training.models.policy import Policy, PolicyAcknowledgement, PolicyVersion
from chorus.training.models.reports import TrainingReportSnapshot
from chorus.training.models.sessions import (
    RsvpState,
    SessionFrequency,
    SessionKind,
    SessionRsvp,
    SessionSeries,
    TrainingSession,
)

__all__ = [
    "Certificate",
    "Certification",
    "Choice",
    "Course",
    "CourseCompletion",
    "CourseState",
    "CourseVersion",
    "Gate",
    "GateAction",
    "Lesson",
    "LessonImage",
    "LessonProgress",
    "Policy",
    "PolicyAcknowledgement",
    "PolicyVersion",
    "Question",
    "QuestionKind",
    "QuizAnswer",
    "QuizAttempt",
    "ResponseState",
    "RsvpState",
    "Scenario",
    "ScenarioResponse",
    "ScenarioState",
    "SessionFrequency",
    "SessionKind",
    "SessionRsvp",
    "SessionSeries",
    "TrainingReportSnapshot",
    "TrainingSession",
    "lesson_image_path",
]
